//! The console's entry point: mounts the app (see `passworks_console::start`).

fn main() {
    passworks_console::start();
}
