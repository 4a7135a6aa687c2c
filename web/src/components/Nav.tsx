import type { Route } from "../lib/url";

export function Nav({ route }: { route: Route }) {
  const link = (page: Route["page"], label: string) => (
    <a href={`${route.prefix}/${page}`} class={route.page === page ? "active" : ""} aria-current={route.page === page ? "page" : undefined}>
      {label}
    </a>
  );
  return (
    <header class="nav">
      <span class="brand">☂ Umbrella</span>
      <nav>
        {link("sfu", "Call")}
        {link("trunk", "Trunks")}
        {link("status", "Status")}
      </nav>
    </header>
  );
}
