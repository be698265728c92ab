//! `confide task show|wait`.

use std::time::Duration;

use confide_sdk::{TaskInfo, TaskStatus};
use serde_json::json;

use super::user::{format_rlc, progress, run};
use crate::cli::TaskCommand;
use crate::output::Output;

pub(crate) fn run_command(command: TaskCommand, out: &Output) -> anyhow::Result<()> {
    match command {
        TaskCommand::Show { task, user } => run(&user, async |sdk| {
            let info = sdk.task(task).await?;
            out.result(&info_text(&info), json!(info));
            Ok(())
        }),
        TaskCommand::Wait {
            task,
            timeout,
            user,
        } => {
            run(&user, async |sdk| {
                let (bar, mut report) = progress(out);
                let status = sdk
                    .wait_for_task(task, Duration::from_secs(timeout), &mut report)
                    .await;
                bar.finish_and_clear();
                let status = status?;
                anyhow::ensure!(
                    status == TaskStatus::Completed,
                    "task {task} ended {}: it has no result",
                    status.as_str()
                );
                out.result(
                &format!("Task {task} COMPLETED: `confide result get {task} --out DIR` reads its result"),
                json!({ "taskId": task, "status": status }),
            );
                Ok(())
            })
        }
    }
}

fn info_text(info: &TaskInfo) -> String {
    format!(
        "Task        {}\nstatus      {}\ndeal        {}\napp         {}\ndata        {}\nworkerpool  {}\nrequester   {}\nprice       {}\nresult      {}",
        info.task_id,
        info.status.as_str(),
        info.deal_id,
        info.app,
        info.protected_data,
        info.workerpool,
        info.requester,
        format_rlc(info.price),
        info.result_location.as_deref().unwrap_or("-"),
    )
}
