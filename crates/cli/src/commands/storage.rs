//! `confide storage add|get`: the local content-addressed store.

use crate::cli::{StorageCommand, StoreArgs};
use crate::output::Output;
use anyhow::Context;
use confide_storage::{Cid, LocalStore};
use serde_json::json;
use std::io::{BufWriter, Write};

pub(crate) fn run(command: StorageCommand, out: &Output) -> anyhow::Result<()> {
    match command {
        StorageCommand::Add { file, store } => {
            let store = open(&store)?;
            let dag = if file.as_os_str() == "-" {
                store.put(std::io::stdin().lock())
            } else {
                let input = std::fs::File::open(&file)
                    .with_context(|| format!("cannot open {}", file.display()))?;
                store.put(input)
            }
            .with_context(|| format!("cannot store {}", file.display()))?;
            out.result(
                &dag.root.to_string(),
                json!({
                    "cid": dag.root.to_string(),
                    "size": dag.file_size,
                    "dagSize": dag.dag_size,
                    "blocks": dag.blocks,
                }),
            );
        }
        StorageCommand::Get {
            cid,
            out: path,
            store,
        } => {
            let cid: Cid = cid
                .parse()
                .with_context(|| format!("invalid CID {cid:?}"))?;
            let store = open(&store)?;
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."));
            // Written beside OUT, renamed when complete and verified: a failure leaves nothing.
            let temp = tempfile::NamedTempFile::new_in(dir)
                .with_context(|| format!("cannot write in {}", dir.display()))?;
            let mut writer = BufWriter::new(temp);
            let size = store
                .get(&cid, &mut writer)
                .with_context(|| format!("cannot get {cid}"))?;
            writer.flush()?;
            let temp = writer.into_inner().map_err(|e| e.into_error())?;
            temp.persist(&path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            out.result(
                &format!("{cid} → {} ({size} bytes, verified)", path.display()),
                json!({ "cid": cid.to_string(), "out": path, "size": size }),
            );
        }
    }
    Ok(())
}

fn open(args: &StoreArgs) -> anyhow::Result<LocalStore> {
    let dir = match &args.store {
        Some(dir) => dir.clone(),
        None => crate::home::default_dir("storage", "pass --store DIR")?,
    };
    LocalStore::open(&dir).with_context(|| format!("cannot open the store {}", dir.display()))
}
