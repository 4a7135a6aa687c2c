// Small inline icons (no icon font, no extra request).
const P = { width: 20, height: 20, viewBox: "0 0 24 24", fill: "none", stroke: "currentColor", "stroke-width": 2, "stroke-linecap": "round", "stroke-linejoin": "round" } as const;

export const MicIcon = ({ off }: { off?: boolean }) => (
  <svg {...P} aria-hidden="true">
    <rect x="9" y="3" width="6" height="11" rx="3" />
    <path d="M5 11a7 7 0 0 0 14 0M12 18v3" />
    {off && <path d="M3 3l18 18" />}
  </svg>
);

export const CamIcon = ({ off }: { off?: boolean }) => (
  <svg {...P} aria-hidden="true">
    <rect x="2" y="6" width="14" height="12" rx="2" />
    <path d="M16 10l6-3v10l-6-3" />
    {off && <path d="M3 3l18 18" />}
  </svg>
);

export const LinkIcon = () => (
  <svg {...P} aria-hidden="true">
    <path d="M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1" />
  </svg>
);

export const LeaveIcon = () => (
  <svg {...P} aria-hidden="true">
    <path d="M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4M16 17l5-5-5-5M21 12H9" />
  </svg>
);

export const ScreenIcon = ({ off }: { off?: boolean }) => (
  <svg {...P} aria-hidden="true">
    <rect x="2" y="4" width="20" height="13" rx="2" />
    <path d="M8 21h8M12 17v4" />
    {off && <path d="M3 3l18 18" />}
  </svg>
);

export const PinIcon = () => (
  <svg {...P} aria-hidden="true">
    <path d="M12 17v5M9 3h6l-1 6 3 3v2H7v-2l3-3z" />
  </svg>
);

export const ExpandIcon = () => (
  <svg {...P} aria-hidden="true">
    <path d="M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5" />
  </svg>
);
