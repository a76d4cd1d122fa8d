fn main() {
    let vars = wharf::manifest::Variables::default();
    let path = std::env::args().nth(1).unwrap();
    let src = std::fs::read_to_string(&path).unwrap();
    match wharf::manifest::load(&path, &src, &vars) {
        Ok(m) => println!("{:#?}", m.manifest),
        Err(f) => print!(
            "{}",
            wharf::diagnostics::render_diagnostics(&path, &src, &f.diagnostics, false)
        ),
    }
}
