import { render } from "preact";
import "./style.css";
import { parseRoute } from "./lib/url";
import { SfuPage } from "./pages/Sfu";
import { StatusPage } from "./pages/Status";
import { TrunkPage } from "./pages/Trunk";
import { Nav } from "./components/Nav";

const route = parseRoute(location.pathname);
const titles = { sfu: "Call", trunk: "Trunks", status: "Status" } as const;
document.title = `Umbrella · ${titles[route.page]}`;
document.body.classList.add(`on-${route.page}`);

function App() {
  return (
    <>
      <Nav route={route} />
      <main class={`page page-${route.page}`}>
        {route.page === "sfu" && <SfuPage prefix={route.prefix} />}
        {route.page === "trunk" && <TrunkPage prefix={route.prefix} />}
        {route.page === "status" && <StatusPage prefix={route.prefix} />}
      </main>
    </>
  );
}

render(<App />, document.getElementById("app")!);
