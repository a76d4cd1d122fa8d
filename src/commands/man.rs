//! `wharf man`: the manual pages, printed or written into a directory.

use super::*;

/// The manual: wharf(1) on stdout, or one page per command written into `out_dir`.
pub(super) fn man_pages(ui: &Ui, out_dir: Option<&Path>) -> i32 {
    let command = <Cli as clap::CommandFactory>::command();
    let render = |command: clap::Command| {
        let mut page = Vec::new();
        clap_mangen::Man::new(command)
            .render(&mut page)
            .map(|()| page)
    };
    let Some(dir) = out_dir else {
        return match render(command) {
            Ok(page) => {
                ui.out(&String::from_utf8_lossy(&page));
                EXIT_OK
            }
            Err(e) => {
                ui.error(&format!("cannot render the manual: {e}"));
                EXIT_ERROR
            }
        };
    };
    let mut pages = vec![("wharf.1".to_string(), command.clone())];
    for sub in command.get_subcommands() {
        let name = format!("wharf-{}", sub.get_name());
        pages.push((format!("{name}.1"), sub.clone().name(name)));
    }
    for (file, page) in pages {
        let path = dir.join(&file);
        let written = render(page).and_then(|text| std::fs::write(&path, text));
        if let Err(e) = written {
            ui.error(&format!("cannot write {}: {e}", path.display()));
            return EXIT_ERROR;
        }
    }
    ui.out(&format!("wrote the manual pages into {}\n", dir.display()));
    EXIT_OK
}
