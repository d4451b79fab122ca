//! `techmatch user …`: accounts from the operator's shell, the only way besides an admin to
//! create liaison officers and admins.

use std::io::BufRead;

use anyhow::Context;
use clap::Subcommand;
use techmatch_domain::{DisplayName, EmailAddress, NewPassword, OrganizationId, Role};
use techmatch_service::{AccountService, NewUserByAdmin};

use crate::app::open_store;
use crate::config::Settings;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account of any role (liaison officers and admins are created this way or by an admin).
    Create {
        #[arg(long)]
        role: String,
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "")]
        name: String,
        #[arg(long)]
        organization_id: Option<i64>,
        /// Read the password from the first line of standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password (generated unless --password-stdin) and revoke the account's tokens.
    ResetPassword {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

pub async fn run(command: UserCommand, settings: &Settings) -> anyhow::Result<()> {
    let store = open_store(settings).await?;
    // Accounts only: the search index belongs to the running server, if there is one.
    let accounts = AccountService::new(store.clone(), &settings.auth)?;
    let result = match command {
        UserCommand::Create { role, email, name, organization_id, password_stdin } => {
            let role = Role::parse(&role).with_context(|| {
                let names: Vec<&str> = Role::ALL.into_iter().map(Role::as_str).collect();
                format!("unknown role {role:?}; expected one of {}", names.join(", "))
            })?;
            let email =
                EmailAddress::parse("email", &email).map_err(|error| anyhow::anyhow!("--email: {}", error.message))?;
            let display_name = if name.trim().is_empty() { email.as_str().to_owned() } else { name };
            let display_name = DisplayName::parse("name", &display_name)
                .map_err(|error| anyhow::anyhow!("--name: {}", error.message))?;
            let password = if password_stdin { Some(read_password(&email)?) } else { None };
            let created = accounts
                .create_user_as_operator(NewUserByAdmin {
                    email,
                    password,
                    display_name,
                    role,
                    organization_id: organization_id.map(OrganizationId),
                })
                .await
                .map_err(|error| anyhow::anyhow!("{error}"))?;
            println!("created {} account {} (id {})", created.account.role, created.account.email, created.account.id);
            if let Some(password) = created.generated_password {
                println!("password: {password}");
            }
            Ok(())
        }
        UserCommand::ResetPassword { email, password_stdin } => {
            let email =
                EmailAddress::parse("email", &email).map_err(|error| anyhow::anyhow!("--email: {}", error.message))?;
            let password = if password_stdin { Some(read_password(&email)?) } else { None };
            let was_given = password.is_some();
            let password = accounts
                .reset_password_as_operator(&email, password)
                .await
                .map_err(|error| anyhow::anyhow!("{error}"))?;
            println!("password of {email} reset; earlier tokens revoked");
            if !was_given {
                println!("password: {password}");
            }
            Ok(())
        }
    };
    store.close().await;
    result
}

fn read_password(email: &EmailAddress) -> anyhow::Result<NewPassword> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("cannot read the password from standard input")?;
    let line = line.trim_end_matches(['\r', '\n']);
    NewPassword::parse("password", line, Some(email)).map_err(|error| anyhow::anyhow!("password: {}", error.message))
}
