//! The expression language: text → tokens (`lexer`) → syntax tree (`ast`,
//! `parser`) → a typed tree checked against the declared fields (`types`,
//! `schema`, `check`, `compiled`), over the runtime `value`s, with the time
//! `zone`s that turn instants into dates.

pub mod ast;
pub mod check;
pub mod compiled;
pub mod lexer;
pub mod parser;
pub mod schema;
pub mod types;
pub mod value;
pub mod weekday;
pub mod zone;
