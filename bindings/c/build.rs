//! Gives the shared library the name it is installed under (`libiotmqtt.so`), so that programs
//! linked against the installed copy look for that name at run time.

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os == "linux" || os == "android" || os.ends_with("bsd") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libiotmqtt.so");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
