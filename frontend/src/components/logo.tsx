/** The hourglass mark, drawn (not a font glyph: CJK-only or minimal font sets lack U+29D7). */
export function Logo({ size = 18 }: { size?: number }) {
  return (
    <svg className="logo" width={size} height={size} viewBox="0 0 32 32" aria-hidden focusable="false">
      <rect width="32" height="32" rx="7" fill="#1d4ed8" />
      <path d="M10 7h12v4l-4.5 5 4.5 5v4H10v-4l4.5-5L10 11z" fill="none" stroke="#fff" strokeWidth="2" strokeLinejoin="round" />
      <path d="M13 23h6l-3-3z" fill="#fbbf24" />
    </svg>
  );
}
