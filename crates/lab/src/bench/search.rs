//! `techmatch bench search`: indexing and search speed on synthetic bilingual listings, against
//! a bare tantivy index with the default tokenizer on the same documents in the same run. (The
//! reference is why the laboratory, alone beside `techmatch-search`, uses tantivy directly.)

use std::path::{Path, PathBuf};
use std::time::Instant;

use tantivy::collector::TopDocs;
use tantivy::query::QueryParser;
use tantivy::schema::{STORED, Schema, TEXT};
use tantivy::{Index, TantivyDocument};
use techmatch_domain::Viewer;
use techmatch_search::{ListingDocument, SearchFilters, SearchIndex, SearchRequest};

use crate::figures::{LatencyFigures, ScratchDirectory, milliseconds, warn_if_unoptimised};
use crate::generate::listings::SyntheticListings;

/// The corpus both indexes are built from.
const CORPUS_SEED: u64 = 0x5eed_1234_abcd_ef01;

/// The fixed query mix: Chinese, English and mixed, short and long.
pub const QUERIES: &[&str] = &[
    "锂电池 正极材料",
    "lithium battery cathode",
    "光纤 传感器 监测",
    "laser welding inspection",
    "深度学习 缺陷检测",
    "固态电池 electrolyte",
    "桥梁 钢结构 防腐",
    "greenhouse irrigation control",
    "疫苗",
    "robot",
    "新能源汽车 驱动电机 轻量化 复合材料",
    "wastewater recycling energy",
    "农业 无人机 病虫害",
    "semiconductor packaging chip reliability",
    "冷链 物流 仓储 调度 优化",
    "graphene coating corrosion 防腐",
];

#[derive(Debug, Clone)]
pub struct IndexFigures {
    pub documents: u64,
    pub seconds: f64,
    pub docs_per_second: f64,
}

#[derive(Debug, Clone)]
pub struct BenchmarkReport {
    pub ours: IndexFigures,
    pub bare: IndexFigures,
    pub ours_search: LatencyFigures,
    pub ours_search_with_facets: LatencyFigures,
    pub bare_search: LatencyFigures,
}

/// `techmatch bench search`.
#[derive(Debug, Clone, clap::Args)]
pub struct SearchBenchmark {
    /// Synthetic listings indexed.
    #[arg(long, default_value_t = 100_000)]
    pub docs: u64,
    /// Rounds of the query mix to time.
    #[arg(long, default_value_t = 50)]
    pub rounds: usize,
    /// Writer memory budget.
    #[arg(long, default_value_t = 512)]
    pub memory_mb: usize,
    /// Where to build the two indexes (default: a temporary directory, removed afterwards).
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

impl SearchBenchmark {
    /// Runs the benchmark and prints its figures; `progress(stage, done, total)` reports the
    /// long phases.
    pub fn run(&self, progress: &mut dyn FnMut(&str, u64, u64)) -> anyhow::Result<()> {
        warn_if_unoptimised("bench search");
        let scratch = ScratchDirectory::new("search")?;
        let directory = self.dir.clone().unwrap_or_else(|| scratch.path().to_owned());
        let report = run(&directory, self.docs, self.memory_mb * 1024 * 1024, self.rounds, progress)?;
        print!("{report}");
        Ok(())
    }
}

impl std::fmt::Display for BenchmarkReport {
    fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            out,
            "documents: {} synthetic bilingual listings (~800 bytes each), {} cores",
            self.ours.documents,
            crate::figures::cores()
        )?;
        writeln!(
            out,
            "indexing  techmatch    {:>9.0} docs/s  ({:.1} s)",
            self.ours.docs_per_second, self.ours.seconds
        )?;
        writeln!(
            out,
            "indexing  bare tantivy {:>9.0} docs/s  ({:.1} s)",
            self.bare.docs_per_second, self.bare.seconds
        )?;
        writeln!(
            out,
            "indexing  ratio        {:>9.1} %",
            100.0 * self.ours.docs_per_second / self.bare.docs_per_second.max(1e-9)
        )?;
        for (label, figures) in [
            ("search    techmatch         ", &self.ours_search),
            ("search    techmatch+facets  ", &self.ours_search_with_facets),
            ("search    bare tantivy      ", &self.bare_search),
        ] {
            writeln!(
                out,
                "{label} p50 {:>7.3} ms  p99 {:>7.3} ms  max {:>7.3} ms  ({} queries)",
                milliseconds(figures.p50),
                milliseconds(figures.p99),
                milliseconds(figures.max),
                figures.samples
            )?;
        }
        Ok(())
    }
}

/// Runs the benchmark on `documents` documents in `directory` (two sub-directories are made).
fn run(
    directory: &Path,
    documents: u64,
    writer_memory_bytes: usize,
    rounds: usize,
    progress: &mut dyn FnMut(&str, u64, u64),
) -> anyhow::Result<BenchmarkReport> {
    const BATCH: u64 = 10_000;

    // Ours: the product's analyzer, schema and facets, one commit at the end like a rebuild.
    let ours_index = SearchIndex::recreate(&directory.join("ours"), writer_memory_bytes)?;
    let mut listings = SyntheticListings::new(CORPUS_SEED);
    let started = Instant::now();
    let mut done = 0;
    while done < documents {
        let batch: Vec<ListingDocument> =
            (done..(done + BATCH).min(documents)).map(|index| listings.listing(index)).collect();
        ours_index.add_documents(&batch)?;
        done += batch.len() as u64;
        progress("indexing (techmatch)", done, documents);
    }
    ours_index.finish_rebuild(0)?;
    let ours_seconds = started.elapsed().as_secs_f64();

    // Bare tantivy: default tokenizer, title and body only, same documents, same budget.
    let mut builder = Schema::builder();
    let title = builder.add_text_field("title", TEXT | STORED);
    let body = builder.add_text_field("body", TEXT | STORED);
    let bare_directory = directory.join("bare");
    if bare_directory.exists() {
        std::fs::remove_dir_all(&bare_directory)?;
    }
    std::fs::create_dir_all(&bare_directory)?;
    let bare_index = Index::create_in_dir(&bare_directory, builder.build())?;
    let mut writer = bare_index.writer(writer_memory_bytes)?;
    let mut listings = SyntheticListings::new(CORPUS_SEED);
    let started = Instant::now();
    let mut done = 0;
    while done < documents {
        for index in done..(done + BATCH).min(documents) {
            let document = listings.listing(index);
            let mut bare = TantivyDocument::default();
            bare.add_text(title, &document.title);
            bare.add_text(body, &document.body);
            writer.add_document(bare)?;
        }
        done = (done + BATCH).min(documents);
        progress("indexing (bare tantivy)", done, documents);
    }
    writer.commit()?;
    let bare_seconds = started.elapsed().as_secs_f64();
    drop(writer);

    // Search: the fixed mix, several rounds, top 10, after one warm-up round.
    let request = |query: &str, with_facets: bool| SearchRequest {
        query: query.to_owned(),
        filters: SearchFilters::default(),
        offset: 0,
        limit: 10,
        with_facets,
        cross_language: false,
    };
    let mut ours_samples = Vec::new();
    let mut facet_samples = Vec::new();
    for round in 0..=rounds {
        for query in QUERIES {
            let started = Instant::now();
            ours_index.search(Viewer::Anonymous, &request(query, false))?;
            let elapsed = started.elapsed();
            let started = Instant::now();
            ours_index.search(Viewer::Anonymous, &request(query, true))?;
            let faceted = started.elapsed();
            if round > 0 {
                ours_samples.push(elapsed);
                facet_samples.push(faceted);
            }
        }
        progress("searching (techmatch)", round as u64, rounds as u64);
    }
    let reader = bare_index.reader()?;
    let parser = QueryParser::for_index(&bare_index, vec![title, body]);
    let mut bare_samples = Vec::new();
    for round in 0..=rounds {
        for query in QUERIES {
            let started = Instant::now();
            let searcher = reader.searcher();
            let parsed = parser.parse_query_lenient(query).0;
            let top = searcher.search(&parsed, &TopDocs::with_limit(10).order_by_score())?;
            for (_, address) in top {
                let _document: TantivyDocument = searcher.doc(address)?;
            }
            if round > 0 {
                bare_samples.push(started.elapsed());
            }
        }
        progress("searching (bare tantivy)", round as u64, rounds as u64);
    }

    let figures =
        |seconds: f64| IndexFigures { documents, seconds, docs_per_second: documents as f64 / seconds.max(1e-9) };
    Ok(BenchmarkReport {
        ours: figures(ours_seconds),
        bare: figures(bare_seconds),
        ours_search: LatencyFigures::of(ours_samples),
        ours_search_with_facets: LatencyFigures::of(facet_samples),
        bare_search: LatencyFigures::of(bare_samples),
    })
}
