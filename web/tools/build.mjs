// Web build driver, used by web/meson.build and by `npm run build|test` in web/.
//   node tools/build.mjs gen    --out DIR          into DIR/gen: the protobuf TS (protoc + protoc-gen-es)
//                                                   and status.json's types (proto/gen_status.py)
//   node tools/build.mjs bundle --out DIR [--dist DIR] [--depfile F --depfile-target T]
//   node tools/build.mjs test   --out DIR          bundle test/*.test.ts and run them with node --test
//   node tools/build.mjs dev    --out DIR [--port N] bundle, then serve it with tools/dev_server.ts
// node_modules is installed with `npm ci` from package-lock.json when missing or stale.
// --python PATH (meson passes its own) picks the python3 that runs gen_status.py; otherwise
// the first of $UMBRELLA_PYTHON, python3, /usr/bin/python3 that has the protobuf module.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync, copyFileSync } from "node:fs";
import { dirname, join, resolve, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { readFileSync } from "node:fs";

const webDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const protoFile = resolve(webDir, "../proto/umbrella.proto");
const statusGenerator = resolve(webDir, "../proto/gen_status.py");

function args() {
  const [cmd, ...rest] = process.argv.slice(2);
  const opts = { cmd };
  for (let i = 0; i < rest.length; i += 2) opts[rest[i].replace(/^--/, "")] = rest[i + 1];
  if (!opts.out) fail("missing --out DIR");
  opts.out = resolve(opts.out);
  opts.dist = resolve(opts.dist ?? join(opts.out, "dist"));
  return opts;
}

function fail(msg) {
  console.error(`web build: ${msg}`);
  process.exit(1);
}

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { stdio: "inherit", cwd: webDir, ...opts });
  if (r.error) fail(`${cmd}: ${r.error.message}`);
  return r.status ?? 1;
}

// Several build dirs may build the web app at once: serialize `npm ci` with a lock dir.
function ensureNodeModules() {
  const stamp = join(webDir, "node_modules/.package-lock.json");
  const lockfile = join(webDir, "package-lock.json");
  const fresh = () => existsSync(stamp) && statSync(stamp).mtimeMs >= statSync(lockfile).mtimeMs;
  if (fresh()) return;
  const lock = join(webDir, ".npm-ci.lock");
  const deadline = Date.now() + 10 * 60 * 1000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })?.mtimeMs > 15 * 60 * 1000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) fail(`timed out waiting for ${lock}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
  try {
    if (fresh()) return;
    console.error("web build: npm ci (node_modules missing or older than package-lock.json)");
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    if (run(npm, ["ci", "--no-audit", "--no-fund", "--loglevel=error"]) !== 0) fail("npm ci failed");
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function python(opts) {
  const candidates = [opts.python, process.env.UMBRELLA_PYTHON, "python3", "/usr/bin/python3"].filter(Boolean);
  for (const p of candidates) {
    const r = spawnSync(p, ["-c", "import google.protobuf"], { stdio: "ignore" });
    if (!r.error && r.status === 0) return p;
  }
  fail(`no python3 with the protobuf module among ${candidates.join(", ")} (Debian: python3-protobuf)`);
}

// Returns the generated modules by the names the sources import them under.
function generate(opts) {
  const gen = join(opts.out, "gen");
  mkdirSync(gen, { recursive: true });
  const plugin = join(webDir, "node_modules/.bin/protoc-gen-es");
  const status = run("protoc", [
    `--plugin=protoc-gen-es=${plugin}`,
    `-I${dirname(protoFile)}`,
    `--es_out=${gen}`,
    "--es_opt=target=ts",
    protoFile,
  ]);
  if (status !== 0) fail("protoc failed");
  const statusTypes = join(gen, "status.ts");
  if (run(python(opts), [statusGenerator, "--proto", protoFile, "--ts-out", statusTypes]) !== 0) fail("gen_status.py failed");
  return { "umbrella-proto": join(gen, "umbrella_pb.ts"), "umbrella-status": statusTypes };
}

// `import ... from "umbrella-proto"` (or "umbrella-status") resolves to the file generated
// for this build; tsconfig.json maps the same names to .build/gen for the type check.
function protoPlugin(generated) {
  return {
    name: "umbrella-generated",
    setup(build) {
      build.onResolve({ filter: /^umbrella-(proto|status)$/ }, (args) => ({ path: generated[args.path] }));
    },
  };
}

async function bundle(opts) {
  const esbuild = await import("esbuild");
  const generated = generate(opts);
  mkdirSync(opts.dist, { recursive: true });
  const result = await esbuild.build({
    absWorkingDir: webDir,
    entryPoints: { app: join(webDir, "src/main.tsx") },
    outdir: opts.dist,
    bundle: true,
    minify: true,
    format: "esm",
    target: ["es2020", "chrome96", "firefox100", "safari15"],
    jsx: "automatic",
    jsxImportSource: "preact",
    nodePaths: [join(webDir, "node_modules")],
    plugins: [protoPlugin(generated)],
    metafile: true,
    legalComments: "none",
    logLevel: "warning",
  });
  copyFileSync(join(webDir, "src/index.html"), join(opts.dist, "index.html"));
  checkSize(opts.dist);
  if (opts.depfile) {
    const inputs = Object.keys(result.metafile.inputs).map((p) => resolve(webDir, p));
    inputs.push(protoFile, statusGenerator, join(webDir, "src/index.html"), join(webDir, "package-lock.json"), fileURLToPath(import.meta.url));
    const esc = (p) => p.replace(/ /g, "\\ ");
    writeFileSync(opts.depfile, `${esc(opts["depfile-target"] ?? join(opts.dist, "app.js"))}: ${inputs.filter((p) => !p.includes("\0")).map(esc).join(" \\\n  ")}\n`);
  }
}

// The whole app travels to phones over an access point's Wi-Fi: the build fails when it
// grows past the budget (gzip level 9, as a server or proxy would send it).
const SIZE_BUDGET = 80 * 1024;
function checkSize(dist) {
  const files = ["index.html", "app.js", "app.css"].filter((f) => existsSync(join(dist, f)));
  const total = files.reduce((n, f) => n + gzipSync(readFileSync(join(dist, f)), { level: 9 }).length, 0);
  if (total > SIZE_BUDGET) fail(`the app is ${total} bytes gzipped, over its budget of ${SIZE_BUDGET} (web/tools/build.mjs SIZE_BUDGET)`);
  console.error(`web build: app is ${(total / 1024).toFixed(1)} KiB gzipped (budget ${SIZE_BUDGET / 1024} KiB)`);
}

async function test(opts) {
  const esbuild = await import("esbuild");
  const generated = generate(opts);
  const testDir = join(opts.out, "test");
  rmSync(testDir, { recursive: true, force: true });
  const entries = readdirSync(join(webDir, "test")).filter((f) => f.endsWith(".test.ts") || f.endsWith(".test.tsx"));
  await esbuild.build({
    absWorkingDir: webDir,
    entryPoints: entries.map((f) => join(webDir, "test", f)),
    outdir: testDir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    jsx: "automatic",
    jsxImportSource: "preact",
    nodePaths: [join(webDir, "node_modules")],
    plugins: [protoPlugin(generated)],
    logLevel: "warning",
  });
  const files = readdirSync(testDir).filter((f) => f.endsWith(".mjs")).map((f) => join(testDir, f));
  const status = run(process.execPath, ["--test", "--test-reporter=tap", ...files]);
  // Type errors fail the run too, after the test summary so that summary is always printed.
  const tsc = run(process.execPath, [join(webDir, "node_modules/typescript/bin/tsc"), "--noEmit", "-p", webDir]);
  if (tsc !== 0) console.error("web build: tsc found type errors");
  process.exit(status || tsc);
}

// Bundles tools/dev_server.ts and runs it against a fresh bundle (npm run dev).
async function dev(opts) {
  await bundle(opts);
  const esbuild = await import("esbuild");
  const out = join(opts.out, "dev_server.mjs");
  await esbuild.build({
    absWorkingDir: webDir,
    entryPoints: [join(webDir, "tools/dev_server.ts")],
    outfile: out,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    nodePaths: [join(webDir, "node_modules")],
    plugins: [protoPlugin(generate(opts))],
    logLevel: "warning",
  });
  process.exit(run(process.execPath, [out, opts.dist, opts.port ?? "8089"]));
}

const opts = args();
ensureNodeModules();
if (opts.cmd === "gen") generate(opts);
else if (opts.cmd === "bundle") await bundle(opts);
else if (opts.cmd === "test") await test(opts);
else if (opts.cmd === "dev") await dev(opts);
else fail(`unknown command ${opts.cmd}`);
console.error(`web build: ${opts.cmd} done (${relative(process.cwd(), opts.out) || "."})`);
