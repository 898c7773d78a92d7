fn main() -> Result<(), Box<dyn std::error::Error>> {
    // protoc is not installed on the machines that build this crate, so the
    // vendored binary is handed to prost-build through PROTOC.
    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    std::env::set_var("PROTOC", protoc);

    let protos = [
        "proto/shared.proto",
        "proto/streams.proto",
        "proto/serverfeatures.proto",
    ];
    for proto in protos {
        println!("cargo:rerun-if-changed={proto}");
    }

    tonic_build::configure()
        .build_client(false)
        .build_server(true)
        .compile_protos(&protos, &["proto"])?;
    Ok(())
}
