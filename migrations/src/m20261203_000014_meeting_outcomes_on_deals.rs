//! One outcome model: what followed an event meeting is recorded on the deal of the meeting's
//! pair. Each meeting points at that deal; the outcomes meetings carried themselves move onto
//! deals (opened for the pair when it had none, origin `event_meeting`, with a timeline entry
//! in the name of the event's officer), and the meetings' own outcome columns go.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Meetings {
    Table,
    DealId,
    OutcomeStage,
    ContractAmountYuan,
    ContractDate,
}

/// A meeting outcome as it was stored, with what its deal needs.
struct PastOutcome {
    meeting: i64,
    result_id: Option<i64>,
    need_id: Option<i64>,
    research_organization: i64,
    company_organization: i64,
    /// The deal stage the outcome stage means.
    stage: &'static str,
}

/// The deal stages in order, for comparing how far a pair has come.
const STAGE_ORDER: [&str; 6] =
    ["introduced", "in_talks", "nda_signed", "intent_signed", "contract_signed", "contract_registered"];

fn rank(stage: &str) -> usize {
    STAGE_ORDER.iter().position(|known| *known == stage).unwrap_or(0)
}

fn deal_stage_of(outcome_stage: &str) -> &'static str {
    match outcome_stage {
        "contract_signed" => "contract_signed",
        "intent_signed" => "intent_signed",
        _ => "in_talks",
    }
}

/// The deals table's pair key (listings and organizations), as the store writes it.
fn pair_key(outcome: &PastOutcome) -> String {
    let part = |id: Option<i64>| id.map_or_else(|| "-".to_owned(), |id| id.to_string());
    format!(
        "r{}:n{}:{}:{}",
        part(outcome.result_id),
        part(outcome.need_id),
        outcome.research_organization,
        outcome.company_organization
    )
}

async fn past_outcomes(connection: &impl ConnectionTrait) -> Result<Vec<PastOutcome>, DbErr> {
    let backend = connection.get_database_backend();
    let rows = connection
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT m.id AS meeting, m.result_id, m.need_id, m.outcome_stage, \
                    r.organization_id AS research_organization, c.organization_id AS company_organization \
             FROM meetings m \
             JOIN event_participants r ON r.id = m.researcher_participant \
             JOIN event_participants c ON c.id = m.company_participant \
             WHERE m.outcome_stage IS NOT NULL ORDER BY m.id",
        ))
        .await?;
    rows.iter()
        .map(|row| {
            let stage: String = row.try_get("", "outcome_stage")?;
            Ok(PastOutcome {
                meeting: row.try_get("", "meeting")?,
                result_id: row.try_get("", "result_id")?,
                need_id: row.try_get("", "need_id")?,
                research_organization: row.try_get("", "research_organization")?,
                company_organization: row.try_get("", "company_organization")?,
                stage: deal_stage_of(&stage),
            })
        })
        .collect()
}

async fn execute(connection: &impl ConnectionTrait, sql: String) -> Result<(), DbErr> {
    connection.execute_raw(Statement::from_string(connection.get_database_backend(), sql)).await?;
    Ok(())
}

/// Moves one meeting's outcome onto its pair's deal. Every value spliced into the statements
/// is a number, a fixed stage name or a key made of numbers; dates and amounts are copied by
/// the database itself, so both backends read them in their own types.
async fn move_outcome(connection: &impl ConnectionTrait, outcome: &PastOutcome) -> Result<(), DbErr> {
    let backend = connection.get_database_backend();
    let key = pair_key(outcome);
    let meeting = outcome.meeting;
    let stage = outcome.stage;
    let is_contract = stage == "contract_signed";
    let find = format!("SELECT id, stage, furthest_stage FROM deals WHERE pair_key = '{key}'");
    let existing = connection.query_one_raw(Statement::from_string(backend, find.clone())).await?;
    let from = match existing {
        None => {
            let result = outcome.result_id.map_or_else(|| "NULL".to_owned(), |id| id.to_string());
            let need = outcome.need_id.map_or_else(|| "NULL".to_owned(), |id| id.to_string());
            let (amount, date) =
                if is_contract { ("m.contract_amount_yuan", "m.contract_date") } else { ("NULL", "NULL") };
            execute(
                connection,
                format!(
                    "INSERT INTO deals (result_id, need_id, research_organization_id, company_organization_id, \
                        buyer_region, stage, furthest_stage, origin, contract_amount_yuan, contract_date, \
                        version, created_at, updated_at, pair_key) \
                     SELECT {result}, {need}, {research}, {company}, COALESCE(o.region_code, ''), '{stage}', \
                        '{stage}', 'event_meeting', {amount}, {date}, 1, m.updated_at, m.updated_at, '{key}' \
                     FROM meetings m LEFT JOIN organizations o ON o.id = {company} WHERE m.id = {meeting}",
                    research = outcome.research_organization,
                    company = outcome.company_organization,
                ),
            )
            .await?;
            "NULL".to_owned()
        }
        Some(row) => {
            let id: i64 = row.try_get("", "id")?;
            let current: String = row.try_get("", "stage")?;
            let furthest: String = row.try_get("", "furthest_stage")?;
            let finished = current == "closed" || current == "contract_registered";
            if finished || rank(stage) <= rank(&current) {
                // The deal has come as far already (or ended): the meeting only points at it.
                execute(connection, format!("UPDATE meetings SET deal_id = {id} WHERE id = {meeting}")).await?;
                return Ok(());
            }
            let furthest = if rank(stage) > rank(&furthest) { stage } else { furthest.as_str() };
            let contract = if is_contract {
                format!(
                    ", contract_amount_yuan = (SELECT contract_amount_yuan FROM meetings WHERE id = {meeting}), \
                       contract_date = (SELECT contract_date FROM meetings WHERE id = {meeting})"
                )
            } else {
                String::new()
            };
            execute(
                connection,
                format!(
                    "UPDATE deals SET stage = '{stage}', furthest_stage = '{furthest}', version = version + 1, \
                        updated_at = (SELECT updated_at FROM meetings WHERE id = {meeting}){contract} \
                     WHERE id = {id}"
                ),
            )
            .await?;
            format!("'{current}'")
        }
    };
    let deal = connection
        .query_one_raw(Statement::from_string(backend, find))
        .await?
        .ok_or_else(|| DbErr::Custom(format!("the deal of meeting {meeting} was not written")))?;
    let deal_id: i64 = deal.try_get("", "id")?;
    execute(
        connection,
        format!(
            "INSERT INTO deal_events (deal_id, actor_user_id, at, from_stage, to_stage, note) \
             SELECT {deal_id}, e.created_by, m.updated_at, {from}, '{stage}', \
                '活动洽谈 {meeting} 的结果 · outcome of event meeting {meeting}' \
             FROM meetings m JOIN events e ON e.id = m.event_id WHERE m.id = {meeting}"
        ),
    )
    .await?;
    execute(connection, format!("UPDATE meetings SET deal_id = {deal_id} WHERE id = {meeting}")).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Meetings::Table)
                    .add_column(ColumnDef::new(Meetings::DealId).big_integer().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("meetings_by_deal").table(Meetings::Table).col(Meetings::DealId).to_owned(),
            )
            .await?;
        let connection = manager.get_connection();
        for outcome in past_outcomes(connection).await? {
            move_outcome(connection, &outcome).await?;
        }
        // SQLite alters one column per statement.
        for column in [Meetings::OutcomeStage, Meetings::ContractAmountYuan, Meetings::ContractDate] {
            manager.alter_table(Table::alter().table(Meetings::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The outcomes stay on the deals; the meetings get their empty columns back.
        for mut column in [
            ColumnDef::new(Meetings::OutcomeStage).string_len(24).null().to_owned(),
            ColumnDef::new(Meetings::ContractAmountYuan).big_integer().null().to_owned(),
            ColumnDef::new(Meetings::ContractDate).date().null().to_owned(),
        ] {
            manager.alter_table(Table::alter().table(Meetings::Table).add_column(&mut column).to_owned()).await?;
        }
        manager.drop_index(Index::drop().name("meetings_by_deal").table(Meetings::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(Meetings::Table).drop_column(Meetings::DealId).to_owned()).await
    }
}
