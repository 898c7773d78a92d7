use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // protoc is not installed on the machines that build this crate, so the
    // vendored binary is handed to prost-build through PROTOC; its bundled
    // include folder provides the google.protobuf types the protos import.
    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    let well_known = protoc_bin_vendored::include_path()?;
    std::env::set_var("PROTOC", protoc);
    let includes = [Path::new("proto"), &well_known];

    let google_rpc = ["proto/code.proto", "proto/status.proto"];
    let services = [
        "proto/shared.proto",
        "proto/streams.proto",
        "proto/serverfeatures.proto",
        "proto/gossip.proto",
    ];
    for proto in google_rpc.iter().chain(&services) {
        println!("cargo:rerun-if-changed={proto}");
    }

    // `google.rpc` is generated on its own: lib.rs puts it beside the
    // `event_store.client` modules, which refer to it by that path.
    tonic_build::configure()
        .build_client(false)
        .build_server(false)
        .compile_protos(&google_rpc, &includes)?;
    tonic_build::configure()
        .build_client(false)
        .build_server(true)
        .extern_path(".google.rpc", "crate::proto::google_rpc")
        .compile_protos(&services, &includes)?;
    Ok(())
}
