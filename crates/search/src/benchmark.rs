//! Indexing and search speed on synthetic bilingual listings, against a bare tantivy index
//! with the default tokenizer on the same documents in the same run.

use std::time::{Duration, Instant};

use tantivy::collector::TopDocs;
use tantivy::query::QueryParser;
use tantivy::schema::{STORED, Schema, TEXT};
use tantivy::{Index, TantivyDocument};
use techmatch_domain::Viewer;
use techmatch_domain::listing::ListingKind;

use crate::{ListingDocument, SearchError, SearchFilters, SearchIndex, SearchRequest};

const CHINESE_TERMS: &[&str] = &[
    "锂电池",
    "正极材料",
    "电解液",
    "隔膜",
    "固态电池",
    "热管理",
    "液冷",
    "电芯",
    "储能",
    "充电桩",
    "光纤",
    "激光器",
    "光模块",
    "硅光子",
    "探测器",
    "传感器",
    "红外",
    "光谱",
    "显示面板",
    "芯片",
    "封装",
    "半导体",
    "集成电路",
    "算法",
    "深度学习",
    "机器视觉",
    "缺陷检测",
    "知识图谱",
    "大数据",
    "云计算",
    "边缘计算",
    "物联网",
    "机器人",
    "自动化",
    "数控机床",
    "焊接",
    "铸造",
    "热处理",
    "涂层",
    "防腐",
    "钢结构",
    "桥梁",
    "隧道",
    "地基",
    "混凝土",
    "装配式",
    "污水处理",
    "固废",
    "资源化",
    "节能",
    "减排",
    "新能源汽车",
    "驱动电机",
    "轻量化",
    "复合材料",
    "碳纤维",
    "石墨烯",
    "纳米材料",
    "高分子",
    "生物医药",
    "疫苗",
    "抗体",
    "诊断试剂",
    "医疗器械",
    "影像",
    "中药",
    "细胞治疗",
    "基因",
    "农业",
    "大棚",
    "灌溉",
    "育种",
    "病虫害",
    "无人机",
    "农机",
    "食品加工",
    "保鲜",
    "冷链",
    "物流",
    "仓储",
    "调度",
    "优化",
    "控制系统",
    "监测",
    "预警",
    "检测方法",
    "制备方法",
    "工艺",
    "装置",
    "系统",
    "平台",
    "模型",
    "仿真",
    "效率",
    "成本",
    "寿命",
    "可靠性",
    "安全性",
    "精度",
    "稳定性",
    "产业化",
    "中试",
    "量产",
];

const ENGLISH_TERMS: &[&str] = &[
    "lithium",
    "battery",
    "cathode",
    "anode",
    "electrolyte",
    "separator",
    "solid-state",
    "thermal",
    "cooling",
    "storage",
    "charging",
    "fiber",
    "laser",
    "optical",
    "photonic",
    "detector",
    "sensor",
    "infrared",
    "spectrum",
    "display",
    "chip",
    "packaging",
    "semiconductor",
    "circuit",
    "algorithm",
    "learning",
    "vision",
    "defect",
    "inspection",
    "graph",
    "data",
    "cloud",
    "edge",
    "network",
    "robot",
    "automation",
    "machining",
    "welding",
    "casting",
    "coating",
    "corrosion",
    "steel",
    "bridge",
    "tunnel",
    "foundation",
    "concrete",
    "wastewater",
    "waste",
    "recycling",
    "energy",
    "emission",
    "vehicle",
    "motor",
    "lightweight",
    "composite",
    "carbon",
    "graphene",
    "nanomaterial",
    "polymer",
    "vaccine",
    "antibody",
    "diagnostic",
    "device",
    "imaging",
    "cell",
    "therapy",
    "gene",
    "agriculture",
    "greenhouse",
    "irrigation",
    "breeding",
    "pest",
    "drone",
    "food",
    "processing",
    "preservation",
    "logistics",
    "warehouse",
    "scheduling",
    "optimization",
    "control",
    "monitoring",
    "warning",
    "method",
    "process",
    "system",
    "platform",
    "model",
    "simulation",
    "efficiency",
    "cost",
    "lifetime",
    "reliability",
    "safety",
    "precision",
    "stability",
    "industrial",
    "pilot",
    "production",
];

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

/// A small, fast, deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const ENGLISH_SYLLABLES: &[&str] = &[
    "ca", "lo", "ri", "ten", "ma", "pho", "ton", "ic", "ex", "tra", "nu", "ble", "ser", "vi", "ad", "ox", "ly", "der",
    "gen", "sol", "mer", "pa", "cy", "tro", "bi", "no", "me", "ta", "sta", "con", "duct", "pol", "y", "ther", "mo",
    "dy", "nam", "ics", "flu", "id", "par", "ti", "cle", "syn", "the", "sis", "cat", "al", "ysis",
];

/// Words of a language with a long tail, as real technical text has: generated words plus the
/// real technical terms placed at middling frequency ranks (the queries use those).
struct Vocabulary {
    chinese: Vec<String>,
    english: Vec<String>,
}

const VOCABULARY_SIZE: usize = 20_000;

impl Vocabulary {
    fn new() -> Vocabulary {
        let mut rng = Rng(0x0dd_ba11_cafe_f00d);
        let characters: Vec<char> = {
            let mut seen: Vec<char> = CHINESE_TERMS.iter().flat_map(|term| term.chars()).collect();
            seen.sort_unstable();
            seen.dedup();
            seen
        };
        let mut chinese: Vec<String> = (0..VOCABULARY_SIZE)
            .map(|_| {
                let length = 2 + (rng.next() % 2) as usize;
                (0..length).map(|_| characters[(rng.next() % characters.len() as u64) as usize]).collect()
            })
            .collect();
        let mut english: Vec<String> = (0..VOCABULARY_SIZE)
            .map(|_| {
                let length = 2 + (rng.next() % 3) as usize;
                (0..length).map(|_| rng.pick(ENGLISH_SYLLABLES)).collect()
            })
            .collect();
        for (index, term) in CHINESE_TERMS.iter().enumerate() {
            chinese[30 + index * 37] = (*term).to_owned();
        }
        for (index, term) in ENGLISH_TERMS.iter().enumerate() {
            english[30 + index * 37] = (*term).to_owned();
        }
        Vocabulary { chinese, english }
    }

    /// A rank drawn with probability about 1/rank (Zipf, s = 1): rank = N^u − 1.
    fn zipf(rng: &mut Rng, words: &[String]) -> String {
        let uniform = (rng.next() >> 11) as f64 / (1u64 << 53) as f64;
        let rank = ((words.len() as f64).powf(uniform) as usize).saturating_sub(1).min(words.len() - 1);
        words[rank].clone()
    }
}

/// About 800 bytes of bilingual text per document, like a real abstract.
fn synthetic(index: u64, rng: &mut Rng, vocabulary: &Vocabulary) -> ListingDocument {
    let chinese_share = rng.next() % 3; // 0: mostly Chinese, 1: mixed, 2: mostly English
    let word = |rng: &mut Rng| -> String {
        let use_chinese = match chinese_share {
            0 => rng.next() % 10 < 9,
            1 => rng.next().is_multiple_of(2),
            _ => rng.next() % 10 < 1,
        };
        if use_chinese {
            Vocabulary::zipf(rng, &vocabulary.chinese)
        } else {
            Vocabulary::zipf(rng, &vocabulary.english)
        }
    };
    let title: Vec<String> = (0..6).map(|_| word(rng)).collect();
    let mut body = String::new();
    while body.len() < 760 {
        body.push_str(&word(rng));
        body.push(if chinese_share == 0 { '，' } else { ' ' });
    }
    let kind = if index.is_multiple_of(3) { ListingKind::Need } else { ListingKind::Result };
    ListingDocument {
        kind,
        id: index as i64,
        title: title.join(if chinese_share == 0 { "" } else { " " }),
        body,
        keywords: (0..3).map(|_| word(rng)).collect(),
        field: Some(["材料科学", "光学工程", "计算机科学", "生物医学"][(index % 4) as usize].to_owned()),
        industry_codes: vec![format!("{:02}", 13 + index % 30)],
        maturity: Some(
            ["lab", "prototype", "pilot", "small_batch", "mass_production"][(index % 5) as usize].to_owned(),
        ),
        region_code: Some(["420111", "420106", "420105", "110108", "310115"][(index % 5) as usize].to_owned()),
        transfer_modes: vec!["license".to_owned()],
        status: if kind == ListingKind::Need { "open".to_owned() } else { "published".to_owned() },
        organization_id: (index % 500) as i64,
        // One in ten private (drafts, confidential needs), so the visibility filter has work.
        public: !index.is_multiple_of(10),
        open_challenge: false,
    }
}

/// `count` synthetic bilingual listings (ids from `first_id`), the same corpus as the search
/// benchmark's for a given seed; for other benchmarks built on the index.
pub fn synthetic_listings(first_id: u64, count: u64, seed: u64) -> Vec<ListingDocument> {
    let vocabulary = Vocabulary::new();
    let mut rng = Rng(seed | 1);
    (first_id..first_id + count).map(|index| synthetic(index, &mut rng, &vocabulary)).collect()
}

#[derive(Debug, Clone)]
pub struct IndexFigures {
    pub documents: u64,
    pub seconds: f64,
    pub docs_per_second: f64,
}

#[derive(Debug, Clone)]
pub struct LatencyFigures {
    pub queries: usize,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

#[derive(Debug, Clone)]
pub struct BenchmarkReport {
    pub ours: IndexFigures,
    pub bare: IndexFigures,
    pub ours_search: LatencyFigures,
    pub ours_search_with_facets: LatencyFigures,
    pub bare_search: LatencyFigures,
}

fn latency(mut samples: Vec<Duration>) -> LatencyFigures {
    samples.sort();
    let at = |fraction: f64| samples[((samples.len() as f64 - 1.0) * fraction).round() as usize];
    LatencyFigures {
        queries: samples.len(),
        p50: at(0.5),
        p99: at(0.99),
        max: samples.last().copied().unwrap_or_default(),
    }
}

/// Runs the benchmark on `documents` documents in `directory` (two sub-directories are made).
/// `progress(stage, done, total)` reports long phases.
pub fn run(
    directory: &std::path::Path,
    documents: u64,
    writer_memory_bytes: usize,
    rounds: usize,
    mut progress: impl FnMut(&str, u64, u64),
) -> Result<BenchmarkReport, SearchError> {
    const BATCH: u64 = 10_000;

    let vocabulary = Vocabulary::new();
    // Ours: the product's analyzer, schema and facets, one commit at the end like a rebuild.
    let ours_index = SearchIndex::recreate(&directory.join("ours"), writer_memory_bytes)?;
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let started = Instant::now();
    let mut done = 0;
    while done < documents {
        let batch: Vec<ListingDocument> =
            (done..(done + BATCH).min(documents)).map(|index| synthetic(index, &mut rng, &vocabulary)).collect();
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
        std::fs::remove_dir_all(&bare_directory).map_err(|error| SearchError::Directory(error.to_string()))?;
    }
    std::fs::create_dir_all(&bare_directory).map_err(|error| SearchError::Directory(error.to_string()))?;
    let bare_index = Index::create_in_dir(&bare_directory, builder.build())?;
    let mut writer = bare_index.writer(writer_memory_bytes)?;
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let started = Instant::now();
    let mut done = 0;
    while done < documents {
        for index in done..(done + BATCH).min(documents) {
            let document = synthetic(index, &mut rng, &vocabulary);
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
        ours_search: latency(ours_samples),
        ours_search_with_facets: latency(facet_samples),
        bare_search: latency(bare_samples),
    })
}
