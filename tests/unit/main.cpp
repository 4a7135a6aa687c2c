// main() of every unit-test binary. Run by hand it is doctest's own console output; with
// --tap (as meson runs it: tests/meson.build) it prints one TAP line per test case on stdout,
// which meson counts, and doctest's console report of each failure goes to stderr.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstring>
#include <iostream>
#include <string>

namespace {

// "ok N - name" / "not ok N - name" per test case, "# SKIP" for doctest::skip() cases, and
// the plan last (the count is only known at the end). A crash prints "not ok" and
// "Bail out!" before doctest re-raises the signal.
class TapReporter : public doctest::IReporter {
 public:
  explicit TapReporter(const doctest::ContextOptions&) {}

  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats&) override { std::cout << "1.." << count_ << std::endl; }
  void test_case_start(const doctest::TestCaseData& tc) override { current_ = &tc; }
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats& st) override {
    line(st.testCaseSuccess, "");
  }
  void test_case_exception(const doctest::TestCaseException& e) override {
    if (e.is_crash) {
      line(false, "");
      std::cout << "Bail out! crashed in " << name() << ": " << e.error_string.c_str() << std::endl;
    }
  }
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData& tc) override {
    if (!tc.m_skip) return;  // filtered out by the command line: not part of this run
    current_ = &tc;
    line(true, " # SKIP doctest::skip()");
  }

 private:
  std::string name() const {
    std::string n = current_ ? current_->m_name : "?";
    for (char& c : n) {
      if (c == '#' || c == '\n') c = ' ';  // '#' starts a TAP directive
    }
    return n;
  }
  void line(bool ok, const char* directive) {
    std::cout << (ok ? "ok " : "not ok ") << ++count_ << " - " << name() << directive << std::endl;
  }

  const doctest::TestCaseData* current_ = nullptr;
  int count_ = 0;
};

}  // namespace

DOCTEST_REGISTER_REPORTER("tap", 1, TapReporter);

int main(int argc, char** argv) {
  doctest::Context context;
  context.applyCommandLine(argc, argv);
  bool tap = false;
  for (int i = 1; i < argc; ++i) tap = tap || std::strcmp(argv[i], "--tap") == 0;
  if (tap) {
    context.setOption("reporters", "tap,console");
    context.setOption("no-intro", true);
    context.setCout(&std::cerr);  // the console reporter's stream; TAP writes std::cout itself
  }
  return context.run();
}
