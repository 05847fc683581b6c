fn main() {
    passworks_console::start();
}
