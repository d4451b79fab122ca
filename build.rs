//! Release builds of the binary compress their debug sections on Linux (backtraces read them
//! compressed as they are): the line tables that name file and line then cost a fraction of
//! their size. Other linkers are left alone.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let release = std::env::var("PROFILE").as_deref() == Ok("release");
    let linux = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux");
    if release && linux {
        println!("cargo:rustc-link-arg-bins=-Wl,--compress-debug-sections=zlib");
    }
}
