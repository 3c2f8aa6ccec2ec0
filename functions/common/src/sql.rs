//! SQLite values and result rows as the app reads them, whichever spin-sdk
//! generation fetched them: the backends (`platform`) convert to these.

/// A parameter or a column's value.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
    Null,
}

impl SqlValue {
    /// Text, or NULL for `None`.
    pub fn text_or_null(v: Option<&str>) -> Self {
        v.map_or(Self::Null, |s| Self::Text(s.to_owned()))
    }
}

/// A query's result: the column names and the rows' values in that order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rows {
    pub columns: Vec<String>,
    pub values: Vec<Vec<SqlValue>>,
}

/// One row, its columns read by name.
#[derive(Clone, Copy)]
pub struct Row<'a> {
    columns: &'a [String],
    values: &'a [SqlValue],
}

impl Rows {
    pub fn iter(&self) -> impl Iterator<Item = Row<'_>> {
        self.values.iter().map(|values| Row {
            columns: &self.columns,
            values,
        })
    }
}

impl<'a> Row<'a> {
    fn get(&self, column: &str) -> Option<&'a SqlValue> {
        let i = self.columns.iter().position(|c| c == column)?;
        self.values.get(i)
    }

    /// The integer in `column` (`None` when absent, NULL or not an integer).
    pub fn int(&self, column: &str) -> Option<i64> {
        match self.get(column)? {
            SqlValue::Integer(n) => Some(*n),
            _ => None,
        }
    }

    /// The text in `column` (`None` when absent, NULL or not text).
    pub fn text(&self, column: &str) -> Option<&'a str> {
        match self.get(column)? {
            SqlValue::Text(s) => Some(s),
            _ => None,
        }
    }
}

/// A database failure, described by the backend. Logged, never shown.
#[derive(Debug)]
pub struct DbError(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_read_by_name_and_type() {
        let rows = Rows {
            columns: vec!["id".into(), "name".into(), "avatar".into()],
            values: vec![vec![
                SqlValue::Integer(7),
                SqlValue::Text("Ada".into()),
                SqlValue::Null,
            ]],
        };
        let row = rows.iter().next().unwrap();
        let cases: [(&str, Option<i64>, Option<&str>); 4] = [
            ("id", Some(7), None),
            ("name", None, Some("Ada")),
            ("avatar", None, None),
            ("missing", None, None),
        ];
        for (column, int, text) in cases {
            assert_eq!((row.int(column), row.text(column)), (int, text), "{column}");
        }
        assert_eq!(SqlValue::text_or_null(None), SqlValue::Null);
    }
}
