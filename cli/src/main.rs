//! `iotmqtt`: see `iotmqtt --help`.

fn main() -> std::process::ExitCode {
    iotmqtt_cli::main_with_args(std::env::args_os())
}
