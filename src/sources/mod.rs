//! Sources: each turns what it reads into a [`RawEstate`](crate::estate::RawEstate) of raw ARM
//! resources, which `normalise` turns into the one inventory.

pub mod live;
pub mod located;
pub mod snapshot;
pub mod template;
pub mod terraform;
