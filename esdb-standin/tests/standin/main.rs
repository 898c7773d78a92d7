//! The stand-in's tests, one binary: the official client's own stream tests, fidelity to a
//! 24.10 node, and the cluster, each through the official `eventstore` client over real gRPC.

mod cluster;
mod common;
mod fidelity;
mod official_client;
