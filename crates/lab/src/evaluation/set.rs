//! An evaluation set on disk (`../shared/eval/FORMAT.md`): results.jsonl, needs.jsonl and
//! qrels.tsv.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Context;
use serde_json::Value;

use super::measures::Judgements;

/// One research result of a set.
#[derive(Debug, Clone)]
pub struct SetResult {
    pub id: String,
    pub title: String,
    pub abstract_text: String,
    pub keywords: Vec<String>,
    pub field: Option<String>,
}

#[derive(Debug, Clone)]
pub struct SetNeed {
    pub id: String,
    pub title: String,
    pub description: String,
    pub keywords: Vec<String>,
    pub language: String,
}

#[derive(Debug, Clone)]
pub struct EvaluationSet {
    pub name: String,
    pub results: Vec<SetResult>,
    pub needs: Vec<SetNeed>,
    pub judgements: HashMap<String, Judgements>,
}

fn text(value: &Value, key: &str) -> String {
    value.get(key).and_then(Value::as_str).unwrap_or_default().to_owned()
}

fn list(value: &Value, key: &str) -> Vec<String> {
    value
        .get(key)
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

fn lines(path: &Path) -> anyhow::Result<Vec<Value>> {
    let content = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    content
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(number, line)| {
            serde_json::from_str(line).with_context(|| format!("{} line {}: invalid json", path.display(), number + 1))
        })
        .collect()
}

impl EvaluationSet {
    /// Reads `results.jsonl`, `needs.jsonl` and `qrels.tsv` from a directory.
    pub fn load(directory: &Path) -> anyhow::Result<EvaluationSet> {
        let results = lines(&directory.join("results.jsonl"))?
            .iter()
            .map(|row| SetResult {
                id: text(row, "id"),
                title: text(row, "title"),
                abstract_text: text(row, "abstract"),
                keywords: list(row, "keywords"),
                field: row.get("field").and_then(Value::as_str).map(str::to_owned),
            })
            .collect();
        let needs = lines(&directory.join("needs.jsonl"))?
            .iter()
            .map(|row| SetNeed {
                id: text(row, "id"),
                title: text(row, "title"),
                description: text(row, "description"),
                keywords: list(row, "keywords"),
                language: row.get("lang").and_then(Value::as_str).unwrap_or("zh").to_owned(),
            })
            .collect();
        let qrels_path = directory.join("qrels.tsv");
        let qrels =
            std::fs::read_to_string(&qrels_path).with_context(|| format!("cannot read {}", qrels_path.display()))?;
        let mut judgements: HashMap<String, Judgements> = HashMap::new();
        for (number, line) in qrels.lines().enumerate().filter(|(_, line)| !line.trim().is_empty()) {
            let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
            let [need, result, grade] = fields[..] else {
                anyhow::bail!("{} line {}: expected need, result and grade", qrels_path.display(), number + 1);
            };
            let grade: u8 =
                grade.parse().with_context(|| format!("{} line {}: bad grade", qrels_path.display(), number + 1))?;
            judgements.entry(need.to_owned()).or_default().insert(result.to_owned(), grade);
        }
        let name = directory
            .canonicalize()
            .ok()
            .and_then(|path| path.file_name().map(|name| name.to_string_lossy().into_owned()))
            .unwrap_or_else(|| directory.display().to_string());
        Ok(EvaluationSet { name, results, needs, judgements })
    }
}
