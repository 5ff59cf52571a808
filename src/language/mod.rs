//! The expression language: text → tokens (`lexer`) → syntax tree (`ast`,
//! `parser`) → a typed tree checked against the declared fields (`types`,
//! `schema`, `check`, `compiled`), over the runtime `value`s, with the time
//! `zone`s that turn instants into dates.

pub(crate) mod ast;
pub(crate) mod check;
pub(crate) mod compiled;
pub(crate) mod lexer;
pub(crate) mod parser;
pub(crate) mod schema;
pub(crate) mod types;
pub(crate) mod value;
pub(crate) mod weekday;
pub(crate) mod zone;

#[cfg(test)]
mod limits_tests;
