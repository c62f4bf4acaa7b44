/** Stacked bar geometry for the report charts (受付 below, サポート above), in SVG units. */
export interface Bar {
  label: string;
  x: number;
  width: number;
  uketsuke: { y: number; height: number };
  support: { y: number; height: number };
  total: number;
}

export interface Series {
  label: string;
  uketsuke: number;
  support: number;
}

/**
 * Lays `series` out as vertical bars in a plot of `width` × `height`; the tallest bar fills it.
 * Bars are at most `maxBar` wide, so one site does not become a wall.
 */
export function bars(series: Series[], width: number, height: number, maxBar = 60): Bar[] {
  const max = Math.max(1, ...series.map((s) => s.uketsuke + s.support));
  const slot = width / Math.max(1, series.length);
  return series.map((s, i) => {
    const hu = (s.uketsuke / max) * height;
    const hs = (s.support / max) * height;
    return {
      label: s.label,
      x: i * slot + (slot - Math.min(slot * 0.7, maxBar)) / 2,
      width: Math.min(slot * 0.7, maxBar),
      uketsuke: { y: height - hu, height: hu },
      support: { y: height - hu - hs, height: hs },
      total: s.uketsuke + s.support,
    };
  });
}
