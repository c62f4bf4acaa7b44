import { describe, expect, it } from 'vitest';
import { bars } from './chart';

describe('bars', () => {
  it('stacks サポート on 受付 and scales the tallest bar to the plot', () => {
    const b = bars(
      [
        { label: '1', uketsuke: 2, support: 2 },
        { label: '2', uketsuke: 1, support: 0 },
      ],
      200,
      100,
    );
    expect(b[0]?.uketsuke).toEqual({ y: 50, height: 50 });
    expect(b[0]?.support).toEqual({ y: 0, height: 50 });
    expect(b[1]?.uketsuke.height).toBe(25);
    expect(b[1]?.x).toBeCloseTo(120); // slot 100, bar capped at 60, centred
  });

  it('keeps a lone bar narrow and centred', () => {
    const b = bars([{ label: 'A社', uketsuke: 3, support: 0 }], 700, 100);
    expect(b[0]?.width).toBe(60);
    expect(b[0]?.x).toBe(320);
  });

  it('draws empty days as empty bars, never dividing by zero', () => {
    const b = bars([{ label: '1', uketsuke: 0, support: 0 }], 100, 100);
    expect(b[0]?.uketsuke.height).toBe(0);
    expect(Number.isFinite(b[0]?.support.y)).toBe(true);
  });
});
