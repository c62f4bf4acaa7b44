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

/** Lays `series` out as vertical bars in a plot of `width` × `height`; the tallest bar fills it. */
export function bars(series: Series[], width: number, height: number): Bar[] {
  const max = Math.max(1, ...series.map((s) => s.uketsuke + s.support));
  const slot = width / Math.max(1, series.length);
  return series.map((s, i) => {
    const hu = (s.uketsuke / max) * height;
    const hs = (s.support / max) * height;
    return {
      label: s.label,
      x: i * slot + slot * 0.15,
      width: slot * 0.7,
      uketsuke: { y: height - hu, height: hu },
      support: { y: height - hu - hs, height: hs },
      total: s.uketsuke + s.support,
    };
  });
}
