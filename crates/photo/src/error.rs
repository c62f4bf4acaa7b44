//! Why a photo cannot be used at all (as opposed to a check that fails).

/// Why a photo cannot be read. Messages are in Japanese, for staff; `code()` is the
/// stable machine name the app and the CLI use.
#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    /// A recognised image format other than JPEG and PNG.
    #[error("{0}形式の画像は使えません。JPEGかPNGの写真を使ってください。")]
    UnsupportedFormat(String),
    /// Not an image at all (or an unknown format).
    #[error("画像ファイルとして読み取れません。JPEGかPNGの写真を使ってください。")]
    NotAnImage,
    /// The bytes are a JPEG or PNG, but broken or truncated.
    #[error("画像が壊れているか、途中までしかありません。撮り直してください。")]
    Corrupt,
    /// The header declares more pixels than the limits allow; refused before the
    /// pixels are decoded, so a small file claiming a huge size costs no memory.
    #[error(
        "画像が大きすぎます（{width}×{height}ピクセル）。{max_megapixels}メガピクセル以下の写真を使ってください。"
    )]
    TooLarge {
        /// Width the header declares.
        width: u32,
        /// Height the header declares.
        height: u32,
        /// The configured limit, in millions of pixels.
        max_megapixels: u32,
    },
    /// A JPEG or PNG using a feature the decoder does not support (for example an
    /// arithmetic-coded or 12-bit JPEG).
    #[error(
        "この{format}画像の形式（{detail}）には対応していません。カメラの標準設定で撮り直してください。"
    )]
    UnsupportedVariant {
        /// JPEG or PNG.
        format: String,
        /// What the decoder said, for support staff.
        detail: String,
    },
    /// A bug or an unexpected failure inside the pipeline (resizing, encoding, the face
    /// detector). Never caused by the photo alone being bad.
    #[error("写真の処理中に予期しないエラーが起きました（{0}）。撮り直してください。")]
    Internal(String),
}

impl PhotoError {
    /// A stable machine name for the error, for the app's UI and logs.
    pub fn code(&self) -> &'static str {
        match self {
            PhotoError::UnsupportedFormat(_) => "unsupported_format",
            PhotoError::NotAnImage => "not_an_image",
            PhotoError::Corrupt => "corrupt",
            PhotoError::TooLarge { .. } => "too_large",
            PhotoError::UnsupportedVariant { .. } => "unsupported_variant",
            PhotoError::Internal(_) => "internal",
        }
    }
}
