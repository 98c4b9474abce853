//! acr-audit as a library: the pipeline the binary runs, exposed for the tests and the benchmarks.
//!
//! Data flows one way: [`sources`] → [`estate::RawEstate`] → [`normalise`] → [`inventory::Inventory`]
//! → [`engine`] → [`report`] → [`output`] → exit code.

pub mod cli;
pub mod commands;
pub mod config;
pub mod engine;
pub mod error;
pub mod estate;
pub mod i18n;
pub mod inventory;
pub mod normalise;
pub mod output;
pub mod report;
pub mod rules;
pub mod severity;
pub mod sources;
