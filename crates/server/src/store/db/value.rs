//! Parameters and columns in one vocabulary for both drivers.
//!
//! A [`Param`] is bound by whichever driver runs the statement: rusqlite takes it as it
//! is; for PostgreSQL it adapts to the type the server inferred for the placeholder
//! (an integer to `int4` or `int8`, a text to `text` or `jsonb`), so one statement text
//! serves both.

use bytes::{BufMut, BytesMut};
use rusqlite::types::{ToSqlOutput, ValueRef};
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};

use crate::store::Result;

/// One bound parameter.
#[derive(Debug, Clone, Copy)]
pub enum Param<'a> {
    /// SQL NULL.
    Null,
    /// An integer.
    Int(i64),
    /// A boolean (an integer 0/1 in SQLite).
    Bool(bool),
    /// Text.
    Text(&'a str),
    /// Bytes.
    Blob(&'a [u8]),
    /// A list of texts, for [`super::Dialect::in_list`]: a `text[]` on PostgreSQL, a
    /// JSON array in SQLite.
    TextList(&'a [String]),
}

/// What can be bound as a parameter.
pub trait Value: Sync {
    /// This value as a parameter.
    fn param(&self) -> Param<'_>;
}

/// `impl Value for T` for each `T: v => the Param built from v (&self)`.
macro_rules! value {
    ($($t:ty: $v:ident => $param:expr),* $(,)?) => {$(
        impl Value for $t {
            fn param(&self) -> Param<'_> {
                let $v = self;
                $param
            }
        }
    )*};
}

value! {
    i64: v => Param::Int(*v),
    i32: v => Param::Int(i64::from(*v)),
    u32: v => Param::Int(i64::from(*v)),
    bool: v => Param::Bool(*v),
    str: s => Param::Text(s),
    String: s => Param::Text(s),
    [u8]: b => Param::Blob(b),
    Vec<u8>: b => Param::Blob(b),
    [String]: l => Param::TextList(l),
    Vec<String>: l => Param::TextList(l),
}

impl<T: Value + ?Sized> Value for &T {
    fn param(&self) -> Param<'_> {
        (**self).param()
    }
}

impl<T: Value> Value for Option<T> {
    fn param(&self) -> Param<'_> {
        self.as_ref().map_or(Param::Null, Value::param)
    }
}

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match *self {
            Param::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Param::Int(v) => ToSqlOutput::Borrowed(ValueRef::Integer(v)),
            Param::Bool(v) => ToSqlOutput::Borrowed(ValueRef::Integer(i64::from(v))),
            Param::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Param::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
            Param::TextList(list) => ToSqlOutput::Owned(rusqlite::types::Value::Text(
                serde_json::to_string(list)
                    .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?,
            )),
        })
    }
}

type BoxError = Box<dyn std::error::Error + Sync + Send>;

impl ToSql for Param<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        match *self {
            Param::Null => Ok(IsNull::Yes),
            Param::Int(v) => match *ty {
                Type::INT2 => i16::try_from(v)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(v)?.to_sql(ty, out),
                Type::BOOL => (v != 0).to_sql(ty, out),
                _ => v.to_sql(ty, out),
            },
            Param::Bool(v) => match *ty {
                Type::INT2 | Type::INT4 | Type::INT8 => Param::Int(i64::from(v)).to_sql(ty, out),
                _ => v.to_sql(ty, out),
            },
            Param::Text(s) => match *ty {
                // jsonb's binary form: a version byte, then the text.
                Type::JSONB => {
                    out.put_u8(1);
                    out.put_slice(s.as_bytes());
                    Ok(IsNull::No)
                }
                Type::JSON => {
                    out.put_slice(s.as_bytes());
                    Ok(IsNull::No)
                }
                _ => s.to_sql(ty, out),
            },
            Param::Blob(b) => b.to_sql(ty, out),
            Param::TextList(list) => list.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        // Checked per value in `to_sql`, against the type the server inferred.
        true
    }

    to_sql_checked!();
}

/// One result row, from either driver.
pub enum Row<'r> {
    /// A SQLite row.
    Sqlite(&'r rusqlite::Row<'r>),
    /// A PostgreSQL row.
    Postgres(&'r tokio_postgres::Row),
}

impl Row<'_> {
    /// Column `i` (from 0) as `T`.
    pub fn get<T: Column>(&self, i: usize) -> Result<T> {
        match self {
            Row::Sqlite(r) => Ok(r.get(i)?),
            Row::Postgres(r) => Ok(T::from_postgres(r, i)?),
        }
    }
}

/// A row type from a result row, its columns in field order from `from` (0 unless
/// given), any other fields given after them: `from_row!(r => Notice { id, sent_on })`,
/// `from_row!(r, 1 => Batch { id, label; cards: Vec::new() })`. One mapping per type.
macro_rules! from_row {
    ($r:expr $(, $from:expr)? => $t:ident { $($field:ident),* $(; $($extra:ident: $value:expr),*)? }) => {{
        let mut column = 0 $(+ $from)?..;
        $t {
            $($field: $r.get(column.next().unwrap_or_default())?,)*
            $($($extra: $value,)*)?
        }
    }};
}
pub(crate) use from_row;

/// What a column can be read as: as rusqlite reads it from SQLite, and from
/// PostgreSQL as its type is unless the impl says otherwise.
pub trait Column: rusqlite::types::FromSql + for<'a> tokio_postgres::types::FromSql<'a> {
    /// From a PostgreSQL row.
    fn from_postgres(r: &tokio_postgres::Row, i: usize) -> Result<Self, tokio_postgres::Error> {
        r.try_get(i)
    }
}

impl Column for String {}
impl Column for Option<String> {}
impl Column for Vec<u8> {}
impl Column for f64 {}

impl Column for Option<i64> {
    fn from_postgres(r: &tokio_postgres::Row, i: usize) -> Result<Self, tokio_postgres::Error> {
        // Integers of any width: a literal or a count may come back narrower than
        // the BIGINT columns.
        match *r.columns()[i].type_() {
            Type::INT2 => Ok(r.try_get::<_, Option<i16>>(i)?.map(i64::from)),
            Type::INT4 => Ok(r.try_get::<_, Option<i32>>(i)?.map(i64::from)),
            _ => r.try_get(i),
        }
    }
}

impl Column for i64 {
    fn from_postgres(r: &tokio_postgres::Row, i: usize) -> Result<Self, tokio_postgres::Error> {
        match Option::<i64>::from_postgres(r, i)? {
            Some(v) => Ok(v),
            None => r.try_get(i), // the driver's error for a NULL
        }
    }
}

impl Column for bool {
    fn from_postgres(r: &tokio_postgres::Row, i: usize) -> Result<Self, tokio_postgres::Error> {
        match *r.columns()[i].type_() {
            Type::BOOL => r.try_get(i),
            _ => Ok(i64::from_postgres(r, i)? != 0),
        }
    }
}

/// An owned parameter, for the one-statement calls ([`super::Db::rows`] and its
/// siblings) that run after their caller's borrows have ended.
#[derive(Debug, Clone)]
pub enum Arg {
    /// SQL NULL.
    Null,
    /// An integer.
    Int(i64),
    /// Text.
    Text(String),
    /// A list of texts ([`Param::TextList`]).
    List(Vec<String>),
}

impl Value for Arg {
    fn param(&self) -> Param<'_> {
        match self {
            Arg::Null => Param::Null,
            Arg::Int(v) => Param::Int(*v),
            Arg::Text(s) => Param::Text(s),
            Arg::List(l) => Param::TextList(l),
        }
    }
}

/// `impl From<T> for Arg` for each `T: v => the Arg owning v`.
macro_rules! arg_from {
    ($($t:ty: $v:ident => $arg:expr),* $(,)?) => {$(
        impl From<$t> for Arg {
            fn from($v: $t) -> Self {
                $arg
            }
        }
    )*};
}

arg_from! {
    &str: s => Arg::Text(s.to_owned()),
    &String: s => Arg::Text(s.clone()),
    i64: v => Arg::Int(v),
    &[String]: l => Arg::List(l.to_vec()),
}

impl<T: Into<Arg>> From<Option<T>> for Arg {
    fn from(v: Option<T>) -> Self {
        v.map_or(Arg::Null, Into::into)
    }
}

/// Owned parameters: `args![id, now]`.
macro_rules! args {
    ($($a:expr),* $(,)?) => { vec![$($crate::store::db::Arg::from($a)),*] };
}
pub(crate) use args;
