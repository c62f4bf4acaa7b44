//! Pixel measures behind the checks: plain loops over small images (the 200 × 200
//! face patch and the ~512 px working frame), so they cost a few milliseconds.

/// A rectangle in floating-point pixels: `x0..x1`, `y0..y1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RectF {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl RectF {
    pub fn new(x: f64, y: f64, w: f64, h: f64) -> Self {
        RectF {
            x0: x,
            y0: y,
            x1: x + w,
            y1: y + h,
        }
    }

    pub fn width(&self) -> f64 {
        self.x1 - self.x0
    }

    pub fn height(&self) -> f64 {
        self.y1 - self.y0
    }

    /// The part inside `0..w`, `0..h`, or `None` when nothing (or under 2 px) is left.
    pub fn clip(&self, w: f64, h: f64) -> Option<RectF> {
        let r = RectF {
            x0: self.x0.max(0.0),
            y0: self.y0.max(0.0),
            x1: self.x1.min(w),
            y1: self.y1.min(h),
        };
        (r.width() >= 2.0 && r.height() >= 2.0).then_some(r)
    }

    pub fn scaled(&self, s: f64) -> RectF {
        RectF {
            x0: self.x0 * s,
            y0: self.y0 * s,
            x1: self.x1 * s,
            y1: self.y1 * s,
        }
    }

    /// Integer pixel bounds `(x0, y0, x1, y1)` within a `w` × `h` image.
    fn pixels(&self, w: usize, h: usize) -> (usize, usize, usize, usize) {
        let c = |v: f64, max: usize| (v.round().max(0.0) as usize).min(max);
        (c(self.x0, w), c(self.y0, h), c(self.x1, w), c(self.y1, h))
    }
}

/// BT.601 luma of packed RGB.
pub(crate) fn grey(rgb: &[u8]) -> Vec<u8> {
    rgb.chunks_exact(3)
        .map(|p| ((77 * u32::from(p[0]) + 150 * u32::from(p[1]) + 29 * u32::from(p[2])) >> 8) as u8)
        .collect()
}

/// Variance of the 4-neighbour Laplacian over `rect` of a grey image, scaled as if
/// the region's luma had a standard deviation of 50 levels (× 2500 / its variance), so
/// that a darker or flatter-lit face is not mistaken for a blurred one.
pub(crate) fn sharpness(g: &[u8], w: usize, h: usize, rect: RectF) -> Option<f64> {
    let (x0, y0, x1, y1) = rect.pixels(w, h);
    let (x0, y0, x1, y1) = (x0.max(1), y0.max(1), x1.min(w - 1), y1.min(h - 1));
    let mut n = 0.0;
    let (mut sum, mut sum2) = (0.0, 0.0);
    let (mut isum, mut isum2) = (0.0, 0.0);
    for y in y0..y1 {
        for x in x0..x1 {
            let c = i32::from(g[y * w + x]);
            let l = i32::from(g[y * w + x - 1])
                + i32::from(g[y * w + x + 1])
                + i32::from(g[(y - 1) * w + x])
                + i32::from(g[(y + 1) * w + x])
                - 4 * c;
            let (l, c) = (f64::from(l), f64::from(c));
            n += 1.0;
            sum += l;
            sum2 += l * l;
            isum += c;
            isum2 += c * c;
        }
    }
    if n == 0.0 {
        return None;
    }
    let lap_var = sum2 / n - (sum / n).powi(2);
    // A face with almost no contrast (a blank wall taken for a face) has no detail to
    // judge: the floor keeps the ratio from exploding.
    let var = (isum2 / n - (isum / n).powi(2)).max(25.0);
    Some(lap_var * 2500.0 / var)
}

/// Mean luma and the share of clipped pixels (a channel ≥ 250, or luma ≤ 5).
pub(crate) fn exposure(rgb: &[u8], w: usize, h: usize, rect: RectF) -> Option<(f64, f64)> {
    let (x0, y0, x1, y1) = rect.pixels(w, h);
    let mut n = 0.0;
    let mut sum = 0.0;
    let mut clipped = 0.0;
    for y in y0..y1 {
        for x in x0..x1 {
            let p = &rgb[(y * w + x) * 3..(y * w + x) * 3 + 3];
            let l = (77 * u32::from(p[0]) + 150 * u32::from(p[1]) + 29 * u32::from(p[2])) >> 8;
            n += 1.0;
            sum += f64::from(l);
            if p.iter().any(|&c| c >= 250) || l <= 5 {
                clipped += 1.0;
            }
        }
    }
    (n > 0.0).then(|| (sum / n, clipped / n))
}

/// Mean RGB of a region.
pub(crate) fn mean_rgb(rgb: &[u8], w: usize, h: usize, rect: RectF) -> Option<[f64; 3]> {
    let (x0, y0, x1, y1) = rect.pixels(w, h);
    let mut n = 0.0;
    let mut s = [0.0; 3];
    for y in y0..y1 {
        for x in x0..x1 {
            let p = &rgb[(y * w + x) * 3..(y * w + x) * 3 + 3];
            for c in 0..3 {
                s[c] += f64::from(p[c]);
            }
            n += 1.0;
        }
    }
    (n > 0.0).then(|| s.map(|v| v / n))
}

/// The share of a region's pixels where |dx| + |dy| of luma exceeds `step` (an edge:
/// an object, a pattern, a stripe), and the pixel count.
pub(crate) fn edge_share(
    g: &[u8],
    w: usize,
    h: usize,
    rect: RectF,
    step: f64,
) -> Option<(f64, f64)> {
    let (x0, y0, x1, y1) = rect.pixels(w, h);
    let (x1, y1) = (x1.min(w - 1), y1.min(h - 1));
    let mut n = 0.0;
    let mut edges = 0.0;
    for y in y0..y1 {
        for x in x0..x1 {
            let c = i32::from(g[y * w + x]);
            let grad =
                (i32::from(g[y * w + x + 1]) - c).abs() + (i32::from(g[(y + 1) * w + x]) - c).abs();
            if f64::from(grad) > step {
                edges += 1.0;
            }
            n += 1.0;
        }
    }
    (n > 0.0).then(|| (edges / n, n))
}

/// sRGB (0–255) to CIE L*a*b* (D65).
pub(crate) fn lab(rgb: [f64; 3]) -> [f64; 3] {
    let lin = |c: f64| {
        let c = c / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let [r, g, b] = rgb.map(lin);
    let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
    let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
    let f = |t: f64| {
        if t > 0.008856 {
            t.cbrt()
        } else {
            7.787 * t + 16.0 / 116.0
        }
    };
    let (fx, fy, fz) = (f(x), f(y), f(z));
    [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
}

/// CIE76 colour difference.
pub(crate) fn delta_e(a: [f64; 3], b: [f64; 3]) -> f64 {
    let (la, lb) = (lab(a), lab(b));
    ((la[0] - lb[0]).powi(2) + (la[1] - lb[1]).powi(2) + (la[2] - lb[2]).powi(2)).sqrt()
}

/// The two eyes on a square face patch (the detector's box resized to `n` × `n`), as
/// the centroids of the pixels that are darkest *relative to their surroundings*
/// (mean over 5 × 5 minus mean over 19 × 19) in the left and right halves of the eye
/// band: an eye is a small dark spot in lighter skin, while hair is dark over a large
/// area and scores low. Returns the two points (patch coordinates, left first) and the
/// roll angle in degrees (positive: the right-hand eye in the photo is lower). `None`
/// when the two spots are not where eyes could be.
pub(crate) fn eye_line(g: &[u8], n: usize, band: (f64, f64)) -> Option<([f64; 2], [f64; 2], f64)> {
    let stride = n + 1;
    let mut integral = vec![0i64; stride * stride];
    for y in 0..n {
        let mut row = 0i64;
        for x in 0..n {
            row += i64::from(g[y * n + x]);
            integral[(y + 1) * stride + x + 1] = integral[y * stride + x + 1] + row;
        }
    }
    let mean = |x: usize, y: usize, r: usize| -> f64 {
        let (x0, y0) = (x.saturating_sub(r), y.saturating_sub(r));
        let (x1, y1) = ((x + r + 1).min(n), (y + r + 1).min(n));
        let sum =
            integral[y1 * stride + x1] - integral[y0 * stride + x1] - integral[y1 * stride + x0]
                + integral[y0 * stride + x0];
        sum as f64 / ((x1 - x0) * (y1 - y0)) as f64
    };
    let y0 = (band.0 * n as f64) as usize;
    let y1 = ((band.1 * n as f64) as usize).min(n - 1);
    let half = |xa: usize, xb: usize| -> Option<[f64; 2]> {
        let mut vals = Vec::with_capacity((xb - xa) * (y1 - y0));
        for y in y0..y1 {
            for x in xa..xb {
                vals.push((mean(x, y, 2) - mean(x, y, 9), x, y));
            }
        }
        if vals.is_empty() {
            return None;
        }
        let k = (vals.len() / 60).max(1);
        vals.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0));
        let (sx, sy) = vals[..k]
            .iter()
            .fold((0.0, 0.0), |(sx, sy), v| (sx + v.1 as f64, sy + v.2 as f64));
        Some([sx / k as f64, sy / k as f64])
    };
    let at = |share: f64| (share * n as f64) as usize;
    let left = half(at(0.12), at(0.48))?;
    let right = half(at(0.52), at(0.88))?;
    let dx = right[0] - left[0];
    let dy = right[1] - left[1];
    let dist = (dx * dx + dy * dy).sqrt();
    if dist < 0.2 * n as f64 || dist > 0.75 * n as f64 {
        return None;
    }
    Some((left, right, dy.atan2(dx).to_degrees()))
}
