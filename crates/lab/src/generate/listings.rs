//! Synthetic bilingual listings for the benchmarks: about 800 bytes of Chinese, English or
//! mixed text each, words drawn with a long tail (Zipf) as real technical text has them, with
//! real technical terms at middling ranks so that the benchmarks' queries find something.

use techmatch_domain::listing::ListingKind;
use techmatch_search::ListingDocument;

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

/// A stream of synthetic listings: the same seed gives the same corpus.
pub struct SyntheticListings {
    vocabulary: Vocabulary,
    rng: Rng,
}

impl SyntheticListings {
    pub fn new(seed: u64) -> SyntheticListings {
        SyntheticListings { vocabulary: Vocabulary::new(), rng: Rng(seed | 1) }
    }

    /// The next listing, with id `index` (kind, facets and visibility follow from it).
    pub fn listing(&mut self, index: u64) -> ListingDocument {
        synthetic(index, &mut self.rng, &self.vocabulary)
    }
}

/// `count` synthetic bilingual listings (ids from `first_id`), the same corpus as the search
/// benchmark's for a given seed; for the other benchmarks built on the index.
pub fn synthetic_listings(first_id: u64, count: u64, seed: u64) -> Vec<ListingDocument> {
    let mut listings = SyntheticListings::new(seed);
    (first_id..first_id + count).map(|index| listings.listing(index)).collect()
}
