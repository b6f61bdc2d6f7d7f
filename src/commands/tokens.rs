//! `eventmap token create|list|revoke`.

use anyhow::Context;

use crate::cli::TokenCommand;

pub async fn run(database: &str, cmd: TokenCommand) -> anyhow::Result<()> {
    let store = super::open_store(database).await?;
    match cmd {
        TokenCommand::Create { name, person, role } => {
            let (token, info) = crate::auth::create_for(store.as_ref(), &name, person.as_deref(), role)
                .await
                .context("creating the token")?;
            println!("{token}");
            eprintln!(
                "token `{}`{} (id {}, role {}) created: keep it now, it is not shown again",
                info.name,
                info.person.as_deref().map(|p| format!(" of {p}")).unwrap_or_default(),
                info.id,
                info.role.as_str()
            );
        }
        TokenCommand::List => {
            println!("{:<14} {:<8} {:<22} {:<22} name (person)", "id", "role", "created", "revoked");
            for t in store.tokens().await? {
                println!(
                    "{:<14} {:<8} {:<22} {:<22} {}{}",
                    t.id,
                    t.role.as_str(),
                    crate::domain::time::format_rfc3339(t.created_at),
                    t.revoked_at.map(crate::domain::time::format_rfc3339).unwrap_or_else(|| "-".into()),
                    t.name,
                    t.person.as_deref().map(|p| format!(" ({p})")).unwrap_or_default()
                );
            }
        }
        TokenCommand::Revoke { id } => {
            if !store.revoke_token(&id).await? {
                anyhow::bail!("no live token with id `{id}` (see `eventmap token list`)");
            }
            eprintln!("token {id} revoked");
        }
    }
    Ok(())
}
