//! Reading QR codes from camera frames: the enrolment code on the office's screen (and,
//! later, the 申請書ID on the application form). The web view hands over one grey
//! frame; rqrr (pure Rust) finds and decodes the code in it.

/// Why a frame cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    /// The frame's size does not match its bytes, or it is too large to be a frame.
    #[error("the frame is {width}×{height} but holds {bytes} bytes")]
    BadFrame {
        /// Width in pixels.
        width: usize,
        /// Height in pixels.
        height: usize,
        /// Bytes given.
        bytes: usize,
    },
}

/// The largest frame accepted (a 1920 × 1080 camera frame; the web view scales down).
pub const MAX_PIXELS: usize = 1920 * 1080;

/// The text of the first QR code found in a grey frame (`luma`, one byte per pixel,
/// row by row), or `None` when the frame holds no readable code.
pub fn decode_luma(width: usize, height: usize, luma: &[u8]) -> Result<Option<String>, QrError> {
    let pixels = width.checked_mul(height).filter(|&n| n <= MAX_PIXELS);
    if pixels != Some(luma.len()) || width == 0 {
        return Err(QrError::BadFrame {
            width,
            height,
            bytes: luma.len(),
        });
    }
    let mut frame =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| luma[y * width + x]);
    Ok(frame
        .detect_grids()
        .iter()
        .find_map(|grid| grid.decode().ok().map(|(_, text)| text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A QR code of `text` drawn into a larger grey frame, `scale` pixels per module,
    /// with noise-free margins (what a steady camera sees of the office's screen).
    fn frame(text: &str, scale: usize) -> (usize, usize, Vec<u8>) {
        let code = qrcode::QrCode::new(text.as_bytes()).expect("encodable");
        let modules = code.width();
        let colors = code.to_colors();
        let margin = 40;
        let side = modules * scale + 2 * margin;
        let (width, height) = (side + 60, side);
        let mut luma = vec![235u8; width * height];
        for y in 0..modules * scale {
            for x in 0..modules * scale {
                if colors[(y / scale) * modules + x / scale] == qrcode::Color::Dark {
                    luma[(y + margin) * width + x + margin + 30] = 20;
                }
            }
        }
        (width, height, luma)
    }

    #[test]
    fn an_enrolment_code_is_read_from_a_frame() {
        let text = r#"{"kind":"outreach-enrolment","serverUrl":"https://10.0.0.5:8620","spkiPin":"sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=","code":"twUj4VBJObT1WVOFPfPLMn-YcXvJVrHBrEp1DcumN_E","expiresAt":"2026-11-26T03:57:04.213Z"}"#;
        let (w, h, luma) = frame(text, 4);
        assert_eq!(
            decode_luma(w, h, &luma).expect("a valid frame").as_deref(),
            Some(text),
            "the whole JSON text comes back, byte for byte"
        );
    }

    #[test]
    fn a_frame_without_a_code_reads_as_nothing() {
        assert_eq!(decode_luma(64, 48, &vec![128; 64 * 48]), Ok(None));
    }

    #[test]
    fn a_frame_whose_size_does_not_match_its_bytes_is_refused() {
        assert!(decode_luma(64, 48, &[0; 100]).is_err());
        assert!(
            decode_luma(0, 0, &[]).is_err(),
            "an empty frame is not a frame"
        );
        assert!(
            decode_luma(usize::MAX, 2, &[0; 4]).is_err(),
            "no overflow on absurd sizes"
        );
    }
}
