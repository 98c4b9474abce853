//! The report in each output format. Every format prints the same [`Report`].

pub mod json;
pub mod sarif;
pub mod table;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Sarif,
}
