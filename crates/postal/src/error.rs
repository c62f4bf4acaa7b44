//! What can go wrong: a code staff typed ([`PostalError`]) or a table ([`TableError`]).

/// Why [`lookup`](crate::lookup) found no address. The messages are for staff, in
/// Japanese, ready to show under the postal-code field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PostalError {
    /// Not a postal code at all: not 7 digits, letters, a misplaced hyphen, …
    #[error("郵便番号は7桁の数字です")]
    Malformed,
    /// Seven digits, but Japan Post lists no area under them (or the code belongs to a
    /// business, whose 事業所 codes the table leaves out).
    #[error("この郵便番号は見つかりません。住所を直接入力してください。")]
    Unknown,
}

/// Why bytes are not a postal table ([`Table::parse`](crate::Table::parse)). For
/// developers and logs, not for staff: the built-in table is checked by tests, so this
/// only happens with a table delivered at run time.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// The bytes start like gzip but do not decompress, or decompress to too much.
    #[error("postal table: not a valid gzip stream: {0}")]
    Gzip(#[source] std::io::Error),
    /// The table text is not UTF-8.
    #[error("postal table: not UTF-8 text")]
    NotUtf8,
    /// One line breaks the format; `line` counts from 1 in the decompressed text.
    #[error("postal table, line {line}: {reason}")]
    Line {
        /// The line, counted from 1.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
}
