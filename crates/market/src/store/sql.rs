//! Statements built at run time (query filters), with `$n` placeholders and their values.

use sqlx::Any;
use sqlx::any::AnyArguments;
use sqlx::query::Query;

/// A value bound to a placeholder.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Text(String),
    Int(i64),
    Bytes(Vec<u8>),
}

/// Conditions joined by `AND`, and the values of their placeholders.
#[derive(Debug, Default)]
pub(crate) struct Conditions {
    clauses: Vec<String>,
    args: Vec<Arg>,
}

impl Conditions {
    /// Binds `arg`; returns its placeholder.
    pub(crate) fn arg(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        format!("${}", self.args.len())
    }

    /// Adds a condition.
    pub(crate) fn push(&mut self, clause: String) {
        self.clauses.push(clause);
    }

    /// `WHERE …` (or nothing).
    pub(crate) fn where_clause(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }

    /// Binds every value to `query` (built from a statement using these conditions).
    pub(crate) fn bind<'q>(
        &'q self,
        query: Query<'q, Any, AnyArguments<'q>>,
    ) -> Query<'q, Any, AnyArguments<'q>> {
        bind_all(query, &self.args)
    }
}

/// Binds `args` to `query`, in order.
pub(crate) fn bind_all<'q>(
    mut query: Query<'q, Any, AnyArguments<'q>>,
    args: &'q [Arg],
) -> Query<'q, Any, AnyArguments<'q>> {
    for arg in args {
        query = match arg {
            Arg::Text(text) => query.bind(text.as_str()),
            Arg::Int(int) => query.bind(*int),
            Arg::Bytes(bytes) => query.bind(bytes.as_slice()),
        };
    }
    query
}
