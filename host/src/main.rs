fn main() {
    eprintln!("redspin-host: the runtime is not built yet; see README.md");
    std::process::exit(2);
}
