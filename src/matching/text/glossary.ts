/**
 * The zh↔en glossary of industrial buying: processes (with the network category each belongs to),
 * finishes and treatments, material families with their grades, and certifications. Each concept has
 * one id, an English and a Chinese label, and the aliases buyers write (Simplified; Traditional text is
 * normalised to Simplified first, so only Taiwan-specific words such as 射出成型 or 雷射 need their own alias).
 *
 * `Glossary.findTerms` reads a text and returns the terms in it (longest match wins, so `硬质阳极氧化`
 * is hard anodizing, not anodizing, and `hot-dip galvanized steel` is a finish and then a material);
 * `Glossary.expand` gives every alias of the concepts a word names, for cross-lingual retrieval.
 */
import { escapeRegExp } from './units.js';

/** A process (making step) with the category of the network it belongs to. */
export interface ProcessTerm {
  id: string;
  /** Category id of the network (`cnc-machining`, `sheet-metal`, …). */
  category: string;
  en: string;
  zh: string;
  aliases: readonly string[];
  /** A general process that a more specific one of the same category replaces as the main process. */
  generic?: boolean;
  /** A supporting step (tooling, assembly) that is the main process only when nothing else is named. */
  auxiliary?: boolean;
}

/** What a finish or treatment is: a surface finish or a heat treatment. */
export type FinishGroup = 'surface' | 'heat';

export interface FinishTerm {
  id: string;
  group: FinishGroup;
  en: string;
  zh: string;
  aliases: readonly string[];
  /** A general finish (`electroplating`) dropped when a specific one (`nickel-plating`) is also named. */
  generic?: boolean;
}

export interface MaterialTerm {
  /** Material family id (`stainless-steel`, `aluminium`, `pom`, …). */
  family: string;
  en: string;
  zh: string;
  aliases: readonly string[];
  /** A catch-all word (`steel`, `钢`, `铁`) that a graded or more specific family overrides. */
  generic?: boolean;
}

/** One grade pattern: the family it implies, and whether the text must name the family too. */
export interface GradeTerm {
  family: string;
  /** Regular-expression source of the grade (no capture groups needed; matched case-insensitively unless `caseSensitive`). */
  pattern: string;
  /** The grade alone is ambiguous (`304`, `H13`, `T2`): accepted only when the family is named in the text. */
  needsFamily?: boolean;
  caseSensitive?: boolean;
  /** Canonical spelling of a match; default: the match with spaces removed. */
  canonical?: (match: string) => string;
}

export interface CertificationTerm {
  id: string;
  en: string;
  /** Regular-expression source; matched case-insensitively unless `caseSensitive`. */
  pattern: string;
  caseSensitive?: boolean;
}

/** Category ids of the network, with labels. */
export const CATEGORIES: Readonly<Record<string, { en: string; zh: string }>> = {
  'cnc-machining': { en: 'CNC machining', zh: 'CNC加工' },
  'sheet-metal': { en: 'sheet metal fabrication', zh: '钣金加工' },
  'laser-cutting': { en: 'laser cutting', zh: '激光切割' },
  cutting: { en: 'cutting', zh: '切割' },
  welding: { en: 'welding', zh: '焊接' },
  stamping: { en: 'metal stamping', zh: '冲压' },
  forging: { en: 'forging', zh: '锻造' },
  casting: { en: 'casting', zh: '铸造' },
  'die-casting': { en: 'die casting', zh: '压铸' },
  'injection-moulding': { en: 'injection moulding', zh: '注塑' },
  'blow-moulding': { en: 'blow moulding', zh: '吹塑' },
  'vacuum-forming': { en: 'vacuum forming', zh: '吸塑' },
  'rubber-moulding': { en: 'rubber and silicone moulding', zh: '橡胶硅胶成型' },
  '3d-printing': { en: '3D printing', zh: '3D打印' },
  extrusion: { en: 'extrusion', zh: '挤压型材' },
  'powder-metallurgy': { en: 'powder metallurgy and MIM', zh: '粉末冶金' },
  'pcb-assembly': { en: 'PCB assembly', zh: 'PCBA贴片' },
  'pcb-fabrication': { en: 'PCB fabrication', zh: 'PCB制板' },
  'cable-harness': { en: 'cable and wire harness', zh: '线束' },
  assembly: { en: 'assembly', zh: '组装' },
  tooling: { en: 'moulds, dies and tooling', zh: '模具' },
  fasteners: { en: 'fasteners and cold heading', zh: '紧固件' },
  'heat-treatment': { en: 'heat treatment', zh: '热处理' },
  'surface-treatment': { en: 'surface treatment', zh: '表面处理' },
};

export const PROCESSES: readonly ProcessTerm[] = [
  {
    id: 'cnc-machining',
    category: 'cnc-machining',
    generic: true,
    en: 'CNC machining',
    zh: 'CNC加工',
    aliases: [
      'CNC加工',
      'CNC机加工',
      'CNC精加工',
      'CNC',
      '数控加工',
      '机加工',
      '机加件',
      '机械加工',
      '精加工',
      '精密加工',
      '加工中心',
      '五轴加工',
      '四轴加工',
      '五轴',
      '车铣复合',
      'CNC machining',
      'CNC machined',
      'CNC-machined',
      'machining',
      'machined',
      'machine shop',
      '5-axis',
      '5 axis',
      'five-axis',
      'mill-turn',
    ],
  },
  {
    id: 'turning',
    category: 'cnc-machining',
    en: 'turning',
    zh: '车削',
    aliases: [
      '车削',
      '车加工',
      '车+铣',
      '车、铣',
      '车铣',
      '车铣加工',
      '车床加工',
      '数控车',
      '数控车床',
      'CNC车',
      'CNC车削',
      'CNC车床',
      '车件',
      '车削件',
      '走心机',
      '自动车床',
      'turning',
      'turned',
      'CNC turning',
      'CNC turned',
      'lathe',
      'swiss-type',
      'swiss turning',
    ],
  },
  {
    id: 'milling',
    category: 'cnc-machining',
    en: 'milling',
    zh: '铣削',
    aliases: [
      '铣削',
      '铣加工',
      '数控铣',
      'CNC铣',
      'CNC铣削',
      'milling',
      'milled',
      'CNC milling',
      'CNC milled',
    ],
  },
  {
    id: 'grinding',
    category: 'cnc-machining',
    en: 'grinding',
    zh: '磨削',
    aliases: [
      '磨削',
      '磨床',
      '磨加工',
      '外圆磨',
      '内圆磨',
      '平面磨',
      '无心磨',
      '精磨',
      'grinding',
      'precision ground',
      'centerless ground',
      'centreless ground',
      'surface ground',
    ],
  },
  {
    id: 'edm',
    category: 'cnc-machining',
    en: 'EDM / wire cutting',
    zh: '线切割',
    aliases: [
      '线切割',
      '慢走丝',
      '快走丝',
      '中走丝',
      '电火花',
      'EDM',
      'wire EDM',
      'wire-EDM',
      'sinker EDM',
      'wire cutting',
    ],
  },
  {
    id: 'laser-cutting',
    category: 'laser-cutting',
    en: 'laser cutting',
    zh: '激光切割',
    aliases: [
      '激光切割',
      '激光下料',
      '镭射切割',
      '雷射切割',
      '光纤切割',
      'laser cutting',
      'laser cut',
      'laser-cut',
    ],
  },
  {
    id: 'waterjet-cutting',
    category: 'cutting',
    en: 'waterjet cutting',
    zh: '水切割',
    aliases: ['水切割', '水刀', 'waterjet', 'water jet', 'waterjet cutting'],
  },
  {
    id: 'plasma-cutting',
    category: 'cutting',
    en: 'plasma cutting',
    zh: '等离子切割',
    aliases: ['等离子切割', 'plasma cutting', 'plasma cut'],
  },
  {
    id: 'sheet-metal',
    category: 'sheet-metal',
    en: 'sheet metal fabrication',
    zh: '钣金',
    aliases: [
      '钣金',
      '钣金加工',
      '钣金件',
      '板金',
      '薄板加工',
      'sheet metal',
      'sheet-metal',
      'sheetmetal',
      'sheet metal fabrication',
    ],
  },
  {
    id: 'bending',
    category: 'sheet-metal',
    en: 'bending',
    zh: '折弯',
    aliases: ['折弯', '数控折弯', 'bending', 'press brake', 'press-brake'],
  },
  {
    id: 'punching',
    category: 'sheet-metal',
    en: 'punching',
    zh: '冲孔',
    aliases: ['冲孔', '数冲', '数控冲', '转塔冲', 'punching', 'punched', 'turret punching', 'CNC punching'],
  },
  {
    id: 'tube-bending',
    category: 'sheet-metal',
    en: 'tube bending',
    zh: '弯管',
    aliases: [
      '弯管',
      '管折弯',
      '折弯管',
      '管件折弯',
      'tube bending',
      'pipe bending',
      'bent tube',
      'tube bent',
    ],
  },
  {
    id: 'welding',
    category: 'welding',
    en: 'welding',
    zh: '焊接',
    aliases: [
      '焊接',
      '焊接件',
      '氩弧焊',
      '二保焊',
      '激光焊',
      '激光焊接',
      '点焊',
      '电焊',
      '搅拌摩擦焊',
      '钎焊',
      '机器人焊接',
      'welding',
      'welded',
      'weld',
      'weldment',
      'weldments',
      'TIG welding',
      'TIG welded',
      'TIG',
      'MIG',
      'MIG welding',
      'friction stir welding',
      'spot welding',
      'laser welding',
      'brazing',
    ],
  },
  {
    id: 'stamping',
    category: 'stamping',
    en: 'metal stamping',
    zh: '冲压',
    aliases: [
      '冲压',
      '冲压件',
      '五金冲压',
      '精密冲压',
      '连续模',
      '级进模',
      '冲床',
      '冲片',
      'stamping',
      'stampings',
      'stamped',
      'metal stamping',
      'progressive die',
      'progressive-die',
      'pressings',
    ],
  },
  {
    id: 'deep-drawing',
    category: 'stamping',
    en: 'deep drawing',
    zh: '拉伸',
    aliases: ['拉伸件', '深拉伸', '拉深', '深拉', '拉伸成型', 'deep drawing', 'deep drawn', 'deep-drawn'],
  },
  {
    id: 'forging',
    category: 'forging',
    en: 'forging',
    zh: '锻造',
    aliases: [
      '锻造',
      '锻件',
      '模锻',
      '热模锻',
      '自由锻',
      '热锻',
      '冷锻',
      '温锻',
      '锻打',
      'forging',
      'forgings',
      'forged',
      'closed die forging',
      'open die forging',
      'hot forging',
      'cold forging',
    ],
  },
  {
    id: 'casting',
    category: 'casting',
    generic: true,
    en: 'casting',
    zh: '铸造',
    aliases: [
      '铸造',
      '铸件',
      '重力铸造',
      '低压铸造',
      '离心铸造',
      '翻砂',
      'casting',
      'castings',
      'gravity casting',
      'low pressure casting',
      'permanent mold casting',
      'foundry',
    ],
  },
  {
    id: 'sand-casting',
    category: 'casting',
    en: 'sand casting',
    zh: '砂型铸造',
    aliases: ['砂型铸造', '砂铸', '树脂砂', '覆膜砂', 'sand casting', 'sand castings', 'sand cast'],
  },
  {
    id: 'investment-casting',
    category: 'casting',
    en: 'investment casting',
    zh: '熔模铸造',
    aliases: [
      '熔模铸造',
      '精密铸造',
      '精密铸件',
      '精铸',
      '失蜡铸造',
      '硅溶胶',
      'investment casting',
      'investment castings',
      'investment cast',
      'lost wax casting',
      'lost-wax casting',
      'precision casting',
    ],
  },
  {
    id: 'die-casting',
    category: 'die-casting',
    en: 'die casting',
    zh: '压铸',
    aliases: [
      '压铸',
      '压铸件',
      '压铸厂',
      'die casting',
      'die castings',
      'die-casting',
      'die-castings',
      'die cast',
      'die-cast',
      'die caster',
      'die casters',
      'die-caster',
      'pressure die casting',
      'HPDC',
    ],
  },
  {
    id: 'injection-moulding',
    category: 'injection-moulding',
    en: 'injection moulding',
    zh: '注塑',
    aliases: [
      '注塑',
      '注塑件',
      '注塑成型',
      '注塑加工',
      '注射成型',
      '射出成型',
      '射出',
      '塑胶射出',
      '包胶',
      '双色注塑',
      '埋入注塑',
      '塑胶件',
      'injection moulding',
      'injection molding',
      'injection moulded',
      'injection molded',
      'injection-moulded',
      'injection-molded',
      'plastic injection',
      'overmolding',
      'overmoulding',
      'overmolded',
      'overmoulded',
      'insert molding',
      'insert moulding',
      'molded parts',
      'moulded parts',
    ],
  },
  {
    id: 'blow-moulding',
    category: 'blow-moulding',
    en: 'blow moulding',
    zh: '吹塑',
    aliases: ['吹塑', '吹塑成型', 'blow molding', 'blow moulding', 'blow molded', 'blow moulded'],
  },
  {
    id: 'vacuum-forming',
    category: 'vacuum-forming',
    en: 'vacuum forming',
    zh: '吸塑',
    aliases: ['吸塑', '真空成型', 'vacuum forming', 'vacuum formed', 'thermoforming', 'thermoformed'],
  },
  {
    id: 'rubber-moulding',
    category: 'rubber-moulding',
    en: 'rubber moulding',
    zh: '橡胶成型',
    aliases: [
      '橡胶件',
      '硅胶件',
      '硫化成型',
      '橡胶模压',
      '硅胶模压',
      'rubber molding',
      'rubber moulding',
      'compression molding',
    ],
  },
  {
    id: '3d-printing',
    category: '3d-printing',
    en: '3D printing',
    zh: '3D打印',
    aliases: [
      '3D打印',
      '3D列印',
      '增材制造',
      '光固化',
      'SLA',
      'SLS',
      'SLM',
      'DMLS',
      'FDM',
      'MJF',
      '3D printing',
      '3D printed',
      '3D-printed',
      'additive manufacturing',
    ],
  },
  {
    id: 'extrusion',
    category: 'extrusion',
    en: 'extrusion',
    zh: '挤压型材',
    aliases: [
      '挤压',
      '挤出',
      '挤型',
      '型材',
      '挤压型材',
      'extrusion',
      'extrusions',
      'extruded',
      'extruded profiles',
    ],
  },
  {
    id: 'metal-injection-moulding',
    category: 'powder-metallurgy',
    en: 'metal injection moulding',
    zh: '金属注射成型',
    aliases: ['金属注射成型', '金属注射成形', 'MIM', 'metal injection molding', 'metal injection moulding'],
  },
  {
    id: 'powder-metallurgy',
    category: 'powder-metallurgy',
    en: 'powder metallurgy (pressed and sintered)',
    zh: '粉末冶金',
    aliases: [
      '粉末冶金',
      '粉末冶金件',
      '粉冶',
      '烧结件',
      'powder metallurgy',
      'powder metal parts',
      'sintered parts',
      'sintered metal',
    ],
  },
  {
    id: 'pcb-assembly',
    category: 'pcb-assembly',
    en: 'PCB assembly',
    zh: 'PCBA贴片',
    aliases: [
      'PCBA',
      'PCB贴片',
      'PCBA贴片',
      'SMT',
      'SMT贴片',
      '贴片',
      '贴片加工',
      'DIP插件',
      '插件',
      'PCB assembly',
      'PCB assemblies',
      'SMD assembly',
      'SMT assembly',
      'THT',
      'through-hole',
      'through hole',
    ],
  },
  {
    id: 'pcb-fabrication',
    category: 'pcb-fabrication',
    en: 'PCB fabrication',
    zh: 'PCB制板',
    aliases: [
      'PCB',
      'PCBs',
      'PCB板',
      'PCB打板',
      'PCB制板',
      '线路板',
      '电路板',
      '打板',
      'PCB fab',
      'PCB fabrication',
      'bare board',
      'bare boards',
      'printed circuit board',
      'printed circuit boards',
    ],
  },
  {
    id: 'cable-harness',
    category: 'cable-harness',
    en: 'cable and wire harness',
    zh: '线束',
    aliases: [
      '线束',
      '线束加工',
      '线材加工',
      '端子线',
      '连接线',
      'cable harness',
      'cable harnesses',
      'wire harness',
      'wire harnesses',
      'wiring harness',
      'cable assembly',
      'cable assemblies',
    ],
  },
  {
    id: 'cold-heading',
    category: 'fasteners',
    en: 'cold heading',
    zh: '冷镦',
    aliases: [
      '冷镦',
      '冷镦成型',
      '冷墩',
      '冷打',
      'cold heading',
      'cold headed',
      'cold-headed',
      'cold forming',
      'cold formed',
    ],
  },
  {
    id: 'assembly',
    category: 'assembly',
    auxiliary: true,
    en: 'assembly',
    zh: '组装',
    aliases: [
      '组装',
      '装配',
      '测试组装',
      '整机组装',
      'assembly',
      'assemble',
      'assembled',
      'final assembly',
      'sub-assembly',
      'box build',
      'box-build',
    ],
  },
  {
    id: 'tooling',
    category: 'tooling',
    auxiliary: true,
    en: 'moulds, dies and tooling',
    zh: '模具',
    aliases: [
      '模具',
      '开模',
      '注塑模具',
      '注塑模',
      '冲压模具',
      '冲压模',
      '冲压连续模',
      '五金模具',
      '压铸模具',
      '压铸模',
      '模具制造',
      '模具加工',
      'mould making',
      'mold making',
      'injection mould',
      'injection mold',
      'injection moulds',
      'injection molds',
      'stamping dies',
      'stamping die',
      'extrusion die',
      'extrusion dies',
      'die-casting mould',
      'die casting mold',
      'progressive dies',
      'tooling',
    ],
  },
];

export const FINISHES: readonly FinishTerm[] = [
  {
    id: 'anodizing',
    group: 'surface',
    en: 'anodizing',
    zh: '阳极氧化',
    aliases: [
      '阳极氧化',
      '阳极',
      '氧化',
      '本色氧化',
      '黑色氧化',
      'anodizing',
      'anodising',
      'anodized',
      'anodised',
      'anodize',
      'anodise',
      'Type II',
    ],
  },
  {
    id: 'hard-anodizing',
    group: 'surface',
    en: 'hard anodizing',
    zh: '硬质阳极氧化',
    aliases: [
      '硬质阳极氧化',
      '硬质氧化',
      '硬质阳极',
      '硬阳',
      'hard anodizing',
      'hard anodising',
      'hard anodized',
      'hard anodize',
      'hard anodise',
      'hard anodised',
      'hard-anodized',
      'hardcoat',
      'hard coat anodized',
      'Type III',
    ],
  },
  {
    id: 'powder-coating',
    group: 'surface',
    en: 'powder coating',
    zh: '喷粉',
    aliases: [
      '喷粉',
      '喷塑',
      '静电喷涂',
      '静电喷粉',
      '粉末喷涂',
      '粉体涂装',
      'powder coating',
      'powder coated',
      'powder-coated',
      'powder coat',
      'powdercoat',
      'powdercoated',
    ],
  },
  {
    id: 'painting',
    group: 'surface',
    en: 'painting',
    zh: '喷漆',
    aliases: [
      '喷漆',
      '烤漆',
      '喷油',
      '涂装',
      '喷涂',
      '氟碳喷涂',
      '油漆',
      '漆',
      '哑光漆',
      '亮光漆',
      'painting',
      'painted',
      'wet paint',
      'spray painting',
      'spray painted',
    ],
  },
  {
    id: 'electroplating',
    group: 'surface',
    generic: true,
    en: 'electroplating',
    zh: '电镀',
    aliases: ['电镀', 'electroplating', 'electroplated', 'plating', 'plated'],
  },
  {
    id: 'zinc-plating',
    group: 'surface',
    en: 'zinc plating',
    zh: '镀锌',
    aliases: [
      '镀锌',
      '电镀锌',
      '彩锌',
      '蓝白锌',
      '镀彩锌',
      '镀白锌',
      '镀蓝锌',
      'zinc plating',
      'zinc plated',
      'zinc-plated',
      'yellow zinc',
      'clear zinc',
      'galvanized',
      'galvanised',
      'zinc-nickel',
      'zinc-nickel plated',
      'zinc nickel plated',
      'zinc-nickel plating',
      'zinc nickel plating',
      '锌镍合金',
      '镀锌镍',
    ],
  },
  {
    id: 'hot-dip-galvanizing',
    group: 'surface',
    en: 'hot-dip galvanizing',
    zh: '热镀锌',
    aliases: [
      '热镀锌',
      '热浸锌',
      '热浸镀锌',
      'hot-dip galvanizing',
      'hot-dip galvanized',
      'hot dip galvanized',
      'hot dip galvanizing',
      'hot-dip galvanised',
      'HDG',
    ],
  },
  {
    id: 'nickel-plating',
    group: 'surface',
    en: 'nickel plating',
    zh: '镀镍',
    aliases: [
      '镀镍',
      '电镀镍',
      '化学镍',
      '化镍',
      'nickel plating',
      'nickel plated',
      'nickel-plated',
      'electroless nickel',
      'satin nickel',
      'bright nickel',
      'nickel finish',
      'ENP',
    ],
  },
  {
    id: 'chrome-plating',
    group: 'surface',
    en: 'chrome plating',
    zh: '镀铬',
    aliases: [
      '镀铬',
      '电镀铬',
      '镀硬铬',
      '硬铬',
      'chrome plating',
      'chrome plated',
      'chrome-plated',
      'hard chrome',
    ],
  },
  {
    id: 'tin-plating',
    group: 'surface',
    en: 'tin plating',
    zh: '镀锡',
    aliases: ['镀锡', 'tin plating', 'tin plated', 'tin-plated'],
  },
  {
    id: 'silver-plating',
    group: 'surface',
    en: 'silver plating',
    zh: '镀银',
    aliases: ['镀银', 'silver plating', 'silver plated', 'silver-plated'],
  },
  {
    id: 'gold-plating',
    group: 'surface',
    en: 'gold plating',
    zh: '镀金',
    aliases: ['镀金', 'gold plating', 'gold plated', 'gold-plated'],
  },
  {
    id: 'copper-plating',
    group: 'surface',
    en: 'copper plating',
    zh: '镀铜',
    aliases: ['镀铜', 'copper plating', 'copper plated'],
  },
  {
    id: 'passivation',
    group: 'surface',
    en: 'passivation',
    zh: '钝化',
    aliases: ['钝化', '酸洗钝化', 'passivation', 'passivated', 'passivate', 'pickled and passivated'],
  },
  { id: 'pickling', group: 'surface', en: 'pickling', zh: '酸洗', aliases: ['酸洗', 'pickling', 'pickled'] },
  {
    id: 'polishing',
    group: 'surface',
    en: 'polishing',
    zh: '抛光',
    aliases: [
      '抛光',
      '镜面抛光',
      '镜面',
      'polishing',
      'polished',
      'mirror polish',
      'mirror polished',
      'mirror finish',
    ],
  },
  {
    id: 'electropolishing',
    group: 'surface',
    en: 'electropolishing',
    zh: '电解抛光',
    aliases: [
      '电解抛光',
      '电抛光',
      'electropolishing',
      'electropolished',
      'electro-polished',
      'electro polished',
    ],
  },
  {
    id: 'sandblasting',
    group: 'surface',
    en: 'sand / bead blasting',
    zh: '喷砂',
    aliases: [
      '喷砂',
      '喷丸',
      'sandblasting',
      'sandblasted',
      'sand blasted',
      'sand blasting',
      'bead blasting',
      'bead blasted',
      'bead-blasted',
      'shot blasting',
      'shot blasted',
    ],
  },
  {
    id: 'brushing',
    group: 'surface',
    en: 'brushing',
    zh: '拉丝',
    aliases: ['拉丝', 'brushed', 'brushing', 'brushed finish'],
  },
  {
    id: 'black-oxide',
    group: 'surface',
    en: 'black oxide',
    zh: '发黑',
    aliases: ['发黑', '发蓝', '黑化', 'black oxide', 'black oxidized', 'blackened', 'bluing'],
  },
  {
    id: 'e-coating',
    group: 'surface',
    en: 'e-coating',
    zh: '电泳',
    aliases: [
      '电泳',
      '电泳涂装',
      '电泳漆',
      'e-coating',
      'e-coat',
      'e-coated',
      'ecoat',
      'ecoating',
      'KTL',
      'cathodic electrocoating',
    ],
  },
  {
    id: 'chromate-conversion',
    group: 'surface',
    en: 'chromate conversion',
    zh: '导电氧化',
    aliases: [
      '导电氧化',
      '化学氧化',
      '铬酸盐',
      '皮膜',
      'chromate conversion',
      'chromate',
      'alodine',
      'chem film',
      'chemfilm',
      'iridite',
    ],
  },
  {
    id: 'phosphating',
    group: 'surface',
    en: 'phosphating',
    zh: '磷化',
    aliases: ['磷化', 'phosphating', 'phosphated', 'phosphate coating'],
  },
  {
    id: 'dacromet',
    group: 'surface',
    en: 'dacromet / zinc flake',
    zh: '达克罗',
    aliases: ['达克罗', '锌铝涂层', 'dacromet', 'zinc flake', 'geomet'],
  },
  {
    id: 'pvd',
    group: 'surface',
    en: 'PVD coating',
    zh: 'PVD镀膜',
    aliases: ['PVD', '真空镀', '真空镀膜', 'PVD coating', 'PVD coated'],
  },
  {
    id: 'silk-screen',
    group: 'surface',
    en: 'silk-screen printing',
    zh: '丝印',
    aliases: [
      '丝印',
      '丝网印刷',
      'silk screen',
      'silkscreen',
      'silk-screen',
      'silk-screened',
      'silkscreened',
      'silk screened',
      'screen printing',
      'screen printed',
      'screen-printed',
    ],
  },
  {
    id: 'pad-printing',
    group: 'surface',
    en: 'pad printing',
    zh: '移印',
    aliases: ['移印', 'pad printing', 'pad printed', 'tampo printing'],
  },
  {
    id: 'laser-marking',
    group: 'surface',
    en: 'laser marking',
    zh: '激光打标',
    aliases: [
      '激光打标',
      '镭雕',
      '镭射雕刻',
      '激光雕刻',
      '激光刻字',
      'laser marking',
      'laser marked',
      'laser engraving',
      'laser engraved',
      'laser etching',
      'laser etched',
    ],
  },
  {
    id: 'enig',
    group: 'surface',
    en: 'ENIG',
    zh: '沉金',
    aliases: ['沉金', '化金', 'ENIG', 'immersion gold'],
  },
  { id: 'hasl', group: 'surface', en: 'HASL', zh: '喷锡', aliases: ['喷锡', 'HASL', 'lead-free HASL'] },
  {
    id: 'conformal-coating',
    group: 'surface',
    en: 'conformal coating',
    zh: '三防漆',
    aliases: ['三防漆', '三防', 'conformal coating', 'conformal coated'],
  },
  {
    id: 'heat-treatment',
    group: 'heat',
    en: 'heat treatment',
    zh: '热处理',
    aliases: [
      '热处理',
      '真空热处理',
      '淬火',
      '真空淬火',
      '高频淬火',
      '调质',
      '回火',
      '正火',
      '退火',
      '时效',
      '固溶',
      '淬硬',
      'heat treatment',
      'heat treated',
      'heat treat',
      'heat-treated',
      'heat-treat',
      'hardened',
      'hardening',
      'induction hardening',
      'induction hardened',
      'through hardened',
      'quenched',
      'quench and temper',
      'quenched and tempered',
      'Q&T',
      'Q+T',
      'tempered',
      'annealed',
      'annealing',
      'normalized',
      'normalised',
      'normalizing',
      'stress relieved',
      'stress relieving',
      'solution treated',
    ],
  },
  {
    id: 'nitriding',
    group: 'heat',
    en: 'nitriding',
    zh: '氮化',
    aliases: ['氮化', '渗氮', '软氮化', 'nitriding', 'nitrided', 'nitride', 'QPQ'],
  },
  {
    id: 'carburizing',
    group: 'heat',
    en: 'carburizing',
    zh: '渗碳',
    aliases: [
      '渗碳',
      '碳氮共渗',
      'carburizing',
      'carburized',
      'carburising',
      'case hardened',
      'case hardening',
    ],
  },
];

export const MATERIALS: readonly MaterialTerm[] = [
  {
    family: 'stainless-steel',
    en: 'stainless steel',
    zh: '不锈钢',
    aliases: ['不锈钢', '不銹钢', '白钢', 'SUS', 'stainless steel', 'stainless', 'inox', 'stainless tubing'],
  },
  {
    family: 'aluminium',
    en: 'aluminium',
    zh: '铝合金',
    aliases: [
      '铝合金',
      '铝',
      '铝件',
      '铝板',
      '铝棒',
      '航空铝',
      '铝材',
      'aluminium',
      'aluminum',
      'alu',
      'aluminium alloy',
      'aluminum alloy',
      'billet aluminium',
    ],
  },
  {
    family: 'carbon-steel',
    generic: true,
    en: 'carbon steel',
    zh: '碳钢',
    aliases: ['钢', '钢材', '钢板', '钢件', '铁', '铁件', '铁板', 'steel', 'steels', 'mild steel'],
  },
  {
    family: 'carbon-steel',
    en: 'carbon steel',
    zh: '碳钢',
    aliases: [
      '碳钢',
      '碳素钢',
      '冷板',
      '冷轧板',
      '冷轧钢板',
      '热轧钢板',
      '热轧板',
      '易切削钢',
      '低碳钢',
      '中碳钢',
      '钢结构',
      'carbon steel',
      'cold rolled steel',
      'cold-rolled steel',
      'hot rolled steel',
      'structural steel',
      'free-machining steel',
      'low carbon steel',
    ],
  },
  {
    family: 'galvanized-steel',
    en: 'galvanized steel',
    zh: '镀锌板',
    aliases: [
      '镀锌板',
      '镀锌钢板',
      '电解板',
      '镀锌卷',
      'galvanized steel',
      'galvanised steel',
      'pre-galvanized',
      'galvanized sheet',
    ],
  },
  {
    family: 'alloy-steel',
    en: 'alloy steel',
    zh: '合金钢',
    aliases: [
      '合金钢',
      '合金结构钢',
      '轴承钢',
      '弹簧钢',
      '渗碳钢',
      'alloy steel',
      'bearing steel',
      'spring steel',
      'chromoly',
    ],
  },
  {
    family: 'tool-steel',
    en: 'tool steel',
    zh: '模具钢',
    aliases: [
      '模具钢',
      '工具钢',
      '高速钢',
      '冷作模具钢',
      '热作模具钢',
      'tool steel',
      'die steel',
      'mould steel',
      'mold steel',
      'high speed steel',
      'HSS',
    ],
  },
  {
    family: 'cast-iron',
    en: 'grey cast iron',
    zh: '灰铁',
    aliases: [
      '灰铁',
      '灰口铁',
      '灰铸铁',
      '铸铁',
      'cast iron',
      'grey iron',
      'gray iron',
      'grey cast iron',
      'gray cast iron',
    ],
  },
  {
    family: 'ductile-iron',
    en: 'ductile iron',
    zh: '球铁',
    aliases: ['球铁', '球墨铸铁', 'ductile iron', 'nodular iron', 'SG iron'],
  },
  { family: 'brass', en: 'brass', zh: '黄铜', aliases: ['黄铜', '铅黄铜', 'brass'] },
  {
    family: 'copper',
    en: 'copper',
    zh: '铜',
    aliases: ['铜', '紫铜', '红铜', '无氧铜', '纯铜', '铜排', '铜件', 'copper', 'OFC', 'oxygen-free copper'],
  },
  {
    family: 'bronze',
    en: 'bronze',
    zh: '青铜',
    aliases: [
      '青铜',
      '磷青铜',
      '锡青铜',
      '铝青铜',
      'bronze',
      'phosphor bronze',
      'aluminium bronze',
      'aluminum bronze',
    ],
  },
  {
    family: 'titanium',
    en: 'titanium',
    zh: '钛合金',
    aliases: ['钛', '钛合金', '纯钛', 'titanium', 'titanium alloy'],
  },
  {
    family: 'magnesium',
    en: 'magnesium',
    zh: '镁合金',
    aliases: ['镁合金', '镁', 'magnesium', 'magnesium alloy'],
  },
  {
    family: 'zinc',
    en: 'zinc alloy',
    zh: '锌合金',
    aliases: ['锌合金', 'zinc alloy', 'zamak', 'zamac'],
  },
  {
    family: 'nickel-alloy',
    en: 'nickel alloy',
    zh: '镍基合金',
    aliases: [
      '镍基合金',
      '高温合金',
      '因科镍',
      '哈氏合金',
      '蒙乃尔',
      'nickel alloy',
      'superalloy',
      'inconel',
      'hastelloy',
      'monel',
    ],
  },
  { family: 'abs', en: 'ABS', zh: 'ABS', aliases: ['ABS'] },
  { family: 'pc', en: 'polycarbonate', zh: 'PC', aliases: ['PC', '聚碳酸酯', 'polycarbonate'] },
  {
    family: 'pc-abs',
    en: 'PC/ABS',
    zh: 'PC+ABS',
    aliases: ['PC+ABS', 'ABS+PC', 'PC/ABS', 'ABS/PC', 'PC-ABS'],
  },
  { family: 'pom', en: 'POM (acetal)', zh: 'POM', aliases: ['POM', '赛钢', '聚甲醛', 'acetal', 'delrin'] },
  { family: 'nylon', en: 'nylon (polyamide)', zh: '尼龙', aliases: ['尼龙', '聚酰胺', 'nylon', 'polyamide'] },
  { family: 'pp', en: 'polypropylene', zh: 'PP', aliases: ['PP', '聚丙烯', 'polypropylene'] },
  { family: 'pe', en: 'polyethylene', zh: 'PE', aliases: ['聚乙烯', 'polyethylene'] },
  { family: 'pvc', en: 'PVC', zh: 'PVC', aliases: ['PVC', '聚氯乙烯'] },
  {
    family: 'pmma',
    en: 'acrylic (PMMA)',
    zh: '亚克力',
    aliases: ['PMMA', '亚克力', '压克力', '有机玻璃', 'acrylic', 'plexiglass', 'perspex'],
  },
  { family: 'peek', en: 'PEEK', zh: 'PEEK', aliases: ['PEEK', '聚醚醚酮'] },
  {
    family: 'ptfe',
    en: 'PTFE',
    zh: '聚四氟乙烯',
    aliases: ['PTFE', '聚四氟乙烯', '四氟', '特氟龙', '铁氟龙', 'teflon'],
  },
  { family: 'pbt', en: 'PBT', zh: 'PBT', aliases: ['PBT'] },
  { family: 'pet', en: 'PET', zh: 'PET', aliases: ['PET'] },
  { family: 'pps', en: 'PPS', zh: 'PPS', aliases: ['PPS'] },
  { family: 'pei', en: 'PEI (Ultem)', zh: 'PEI', aliases: ['PEI', 'ultem'] },
  { family: 'tpu', en: 'TPU', zh: 'TPU', aliases: ['TPU'] },
  { family: 'tpe', en: 'TPE', zh: 'TPE', aliases: ['TPE', 'TPR'] },
  { family: 'hips', en: 'HIPS', zh: 'HIPS', aliases: ['HIPS'] },
  {
    family: 'silicone',
    en: 'silicone',
    zh: '硅胶',
    aliases: ['硅胶', '液态硅胶', '硅橡胶', 'silicone', 'LSR', 'liquid silicone rubber'],
  },
  {
    family: 'rubber',
    en: 'rubber',
    zh: '橡胶',
    aliases: ['橡胶', '丁腈', '丁腈橡胶', '三元乙丙', '氟橡胶', 'rubber'],
  },
  {
    family: 'resin',
    en: 'photopolymer resin',
    zh: '光敏树脂',
    aliases: ['光敏树脂', '树脂', 'resin', 'photopolymer'],
  },
  { family: 'fr4', en: 'FR-4', zh: 'FR-4', aliases: ['FR-4', 'FR4'] },
  {
    family: 'carbon-fibre',
    en: 'carbon fibre',
    zh: '碳纤维',
    aliases: ['碳纤维', 'carbon fibre', 'carbon fiber', 'CFRP'],
  },
];

const upper = (s: string) => s.replace(/\s+/g, '').toUpperCase();
const grade =
  (fn: (m: string) => string) =>
  (m: string): string =>
    fn(m.replace(/\s+/g, ''));

export const GRADES: readonly GradeTerm[] = [
  // Stainless steel: with a SUS/SS/AISI prefix, or distinctive on its own, or a bare number next to the family.
  {
    family: 'stainless-steel',
    pattern:
      '(?:SUS|SS|AISI)\\s?-?(?:2205|2507|201|301|302|303|304L?|305|309S?|310S?|316L?|316Ti|321|347|410|416|420J2|420|430F?|440C|631|630|904L)',
    canonical: grade((m) => m.replace(/^(SUS|SS|AISI)-?/i, '').toUpperCase()),
  },
  {
    family: 'stainless-steel',
    pattern:
      '(?:304L|316L|316Ti|904L|17-4\\s?PH|15-5\\s?PH|17-7\\s?PH|A[24]-[5-8]0|440C|420J2|310S|309S|0?6Cr19Ni10|0Cr18Ni9|1Cr18Ni9Ti|0?22Cr17Ni12Mo2|0Cr17Ni12Mo2)',
    canonical: grade((m) =>
      m
        .toUpperCase()
        .replace(/PH$/, 'PH')
        .replace(/CR/g, 'Cr')
        .replace(/NI/g, 'Ni')
        .replace(/MO/g, 'Mo')
        .replace(/TI$/, 'Ti'),
    ),
  },
  {
    family: 'stainless-steel',
    pattern: '(?:2205|2507|201|301|303|304|310|316|321|410|420|430|630)',
    needsFamily: true,
  },
  // Aluminium: wrought grades with a temper, with an Al prefix, the common ones alone; cast alloys.
  {
    family: 'aluminium',
    pattern: '(?:AL|A|AA)?-?\\s?[1-8]\\d{3}A?\\s?-?\\s?(?:T\\d{1,4}|H\\d{2,3})',
    canonical: grade((m) => {
      const g = /([1-8]\d{3}A?)-?([TH]\d+)/i.exec(m);
      return g ? `${g[1]}-${g[2]!.toUpperCase()}` : m.toUpperCase();
    }),
  },
  {
    family: 'aluminium',
    pattern:
      '(?:AL|AA|A)-?\\s?(?:1050|1060|1070|1100|2011|2017|2024|3003|3004|5005|5052|5083|5754|6005|6060|6061|6063|6082|7050|7075)',
    canonical: grade((m) => m.replace(/^(AL|AA|A)-?/i, '')),
  },
  {
    family: 'aluminium',
    pattern:
      '(?:6005A|1050|1060|1070|1100|2011|2017|2024|3003|5052|5083|5754|6060|6061|6063|6082|7050|7075)(?![-/.]\\d|年|\\s*(?:件|个|只|支|套|片|pcs|pieces|units|sets))',
  },
  {
    family: 'aluminium',
    pattern:
      '(?:ADC\\s?1[02]|ADC\\s?6|A380|A383|A360|A413|A356(?:-?T6)?|A357|AlSi10Mg(?:Fe)?|AlSi7Mg|AlSi12|AlSi9Cu3|ZL\\s?10[1-9]|YL\\s?11[23]|LY12|LD31|LF21|EN\\s?AC-?\\d{5})',
    canonical: grade((m) => (/^alsi/i.test(m) ? m : m.toUpperCase().replace(/^(A356)T6$/, '$1-T6'))),
  },
  // Carbon steel.
  {
    family: 'carbon-steel',
    pattern:
      '(?:Q195|Q215|Q235[A-D]?|Q275|Q345[A-E]?|Q355[A-E]?N?|Q390|Q420|SPCC|SPCD|SPCE|SPHC|SPHD|SAPH\\d{3}|DC0[1-6]|DD1[1-4]|SS400|ST\\s?37(?:-2)?|ST\\s?52(?:-3)?|S235J[R02]|S275J[R02]|S355J[R02]|S355MC|S235|S275|S355|A36|A105N?|A106|A516|A572|12L14|11SMnPb30|S[1-5][05]C|C45E?|C35|C22|CK45|08F|SWRCH\\d{2}A?|ML08Al)',
    canonical: upper,
  },
  // 65Mn is a carbon spring steel (GB/T 699), not an alloy steel.
  { family: 'carbon-steel', pattern: '65Mn', canonical: () => '65Mn' },
  {
    family: 'carbon-steel',
    pattern: '(?:10|20|35|45)\\s?(?:#|号钢|钢)',
    canonical: (m) => /\d+/.exec(m)![0],
  },
  {
    family: 'carbon-steel',
    pattern: '(?:AISI|SAE)\\s?-?(?:1008|1010|1018|1020|1045|1060|1080)',
    canonical: (m) => /\d{4}/.exec(m)![0],
  },
  { family: 'carbon-steel', pattern: '(?:1008|1010|1018|1020|1045|1215)', needsFamily: true },
  // Galvanized sheet.
  {
    family: 'galvanized-steel',
    pattern: '(?:SECC|SGCC|SGCH|SGHC|DX51D(?:\\+Z\\d{2,3})?|DX52D|DX53D)',
    canonical: upper,
  },
  // Alloy steel.
  {
    family: 'alloy-steel',
    pattern:
      '(?:40Cr|42CrMo4?|35CrMo|30CrMo|20CrMo|20CrMnTi|20CrNiMo|40CrNiMo(?:A)?|GCr15|SUJ2|SCM4[1-4]0|SCM435|34CrNiMo6|18CrNiMo7-6|16MnCr5|20MnCr5|38CrMoAl|60Si2Mn|50CrVA?|30CrMnSi|EN\\s?(?:19|24|36))',
    canonical: grade((m) => m.replace(/^en/i, 'EN')),
  },
  {
    family: 'alloy-steel',
    pattern: '(?:AISI|SAE)\\s?-?(?:4130|4140|4340|8620|52100|5140|9310)',
    canonical: (m) => /\d{4,5}/.exec(m)![0],
  },
  { family: 'alloy-steel', pattern: '(?:4130|4140|4340|8620|52100|5140|9310)', needsFamily: true },
  // Tool steel.
  {
    family: 'tool-steel',
    pattern:
      '(?:Cr12MoV|Cr12Mo1V1|Cr12|SKD11|SKD61|SKH51|SKH9|DC53|NAK80|S136H?|1\\.2344|1\\.2379|1\\.2738|1\\.2311|3Cr2W8V|5CrNiMo|9CrSi|4Cr5MoSiV1)',
    canonical: grade((m) => (/^[a-z]/i.test(m) && !/^cr/i.test(m) ? m.toUpperCase() : m)),
  },
  {
    family: 'tool-steel',
    pattern: '(?:718H?|P20|H13|D2|A2|O1|S7|M2|T10A?|T8A?)',
    needsFamily: true,
    canonical: upper,
  },
  // Copper alloys.
  {
    family: 'brass',
    pattern:
      '(?:H59(?:-1)?|H62|H63|H65|H68|H70|H90|HPb59-1|HPb63|C3604|C3602|C3771|C36000|C37700|C26000|C27200|C28000|CW614N|CW617N|CW508L|CuZn39Pb3|CuZn37|CuZn40Pb2)',
    canonical: grade((m) => (/^cuzn/i.test(m) ? m : m.toUpperCase())),
  },
  {
    family: 'copper',
    pattern: '(?:C1100|C1020|C11000|C10100|C10200|C12200|C110|C101|C102|Cu-?ETP|Cu-?OF|Cu-?DHP|TU1|TU2|TP2)',
    canonical: upper,
  },
  { family: 'copper', pattern: '(?:T1|T2|T3)', needsFamily: true, canonical: upper },
  {
    family: 'bronze',
    pattern:
      '(?:C5191|C5210|C5102|C51000|C52100|C54400|C93200|C95400|C63000|QSn6\\.5-0\\.1|QSn4-3|QAl9-4|CuSn8|CuSn6|CuSn12|CuAl10Ni5Fe4)',
  },
  // Titanium, magnesium, zinc, nickel alloys.
  {
    family: 'titanium',
    pattern: '(?:TC4|TC11|TA1|TA2|TA3|Ti-?6Al-?4V(?:\\s?ELI)?)',
    canonical: grade((m) =>
      /^ti-?6/i.test(m) ? `Ti-6Al-4V${/eli$/i.test(m) ? ' ELI' : ''}` : m.toUpperCase(),
    ),
  },
  {
    family: 'titanium',
    pattern: '(?:Gr(?:ade)?\\.?\\s?(?:[1-5]|23))',
    needsFamily: true,
    canonical: (m) => `Grade ${/\d+/.exec(m)![0]}`,
  },
  { family: 'magnesium', pattern: '(?:AZ91D?|AZ31B?|AM60B?|AM50A?|ZK60)', canonical: upper },
  {
    family: 'zinc',
    pattern: '(?:Zamak\\s?[2357]|Zamac\\s?[2357]|ZA-?(?:8|12|27)|ZnAl4Cu1|Zn-?Al4)',
    canonical: (m) => m.replace(/^zama[kc]\s?(\d)/i, 'Zamak $1'),
  },
  {
    family: 'nickel-alloy',
    pattern:
      '(?:Inconel\\s?(?:600|601|625|718|X-750)|Hastelloy\\s?(?:C-?276|C-?22|X)|Monel\\s?(?:400|K-?500)|Incoloy\\s?(?:800H?|825)|GH4169|GH3030)',
    canonical: (m) =>
      m.replace(/^(\w)(\w*)\s?/, (_, a: string, b: string) => `${a.toUpperCase()}${b.toLowerCase()} `).trim(),
  },
  // Irons.
  {
    family: 'cast-iron',
    pattern:
      '(?:HT\\s?(?:100|150|200|250|300|350)|GG\\s?-?(?:10|15|20|25|30|35)|EN-GJL-\\d{3}|FC\\s?(?:150|200|250|300))',
    canonical: upper,
  },
  {
    family: 'ductile-iron',
    pattern:
      '(?:QT\\s?(?:400-1[58]|450-10|500-7|600-3|700-2|800-2)|GGG\\s?-?(?:40|50|60|70)|EN-GJS-\\d{3}-\\d{1,2}|FCD\\s?(?:400|450|500|600)|65-45-12|80-55-06)',
    canonical: upper,
  },
  // Plastics and rubbers with grades.
  {
    family: 'nylon',
    pattern:
      '(?:PA\\s?(?:66|6T|9T|46|12|11|6)(?:\\s?[+/-]?\\s?(?:GF|加纤|加玻纤|\\+?玻纤)\\s?\\d{2}%?|\\s?\\+\\s?\\d{2}\\s?%\\s?(?:玻纤|GF))?)',
    caseSensitive: true,
    canonical: grade((m) => {
      const g =
        /^PA(66|6T|9T|46|12|11|6)(?:[+/-]?(?:GF|加纤|加玻纤|\+?玻纤)(\d{2})%?|\+(\d{2})%(?:玻纤|GF))?$/.exec(
          m,
        );
      const gf = g?.[2] ?? g?.[3];
      return g ? `PA${g[1]}${gf ? `-GF${gf}` : ''}` : m;
    }),
  },
  ...(['PBT', 'PPS', 'PC', 'PP', 'ABS', 'PET', 'POM'] as const).map(
    (p): GradeTerm => ({
      family: p.toLowerCase(),
      pattern: `${p}\\s?[+/-]?\\s?(?:GF|加纤|加玻纤|\\+?玻纤)\\s?\\d{2}\\s?%?|${p}\\s?\\+\\s?\\d{2}\\s?%\\s?(?:玻纤|GF)`,
      caseSensitive: true,
      canonical: grade((m) => `${p}-GF${/\d{2}/.exec(m)![0]}`),
    }),
  ),
  { family: 'nylon', pattern: '尼龙\\s?(?:66|6|12)', canonical: (m) => `PA${/\d+/.exec(m)![0]}` },
  { family: 'pe', pattern: '(?:HDPE|LDPE|LLDPE|UHMW-?PE|UHMWPE)', canonical: upper },
  {
    family: 'rubber',
    pattern: '(?:NBR|HNBR|EPDM|FKM|FPM|SBR|Viton)',
    caseSensitive: false,
    canonical: (m) => (/^viton$/i.test(m) ? 'FKM' : m.toUpperCase()),
  },
];

export const CERTIFICATIONS: readonly CertificationTerm[] = [
  {
    id: 'IATF16949',
    en: 'IATF 16949',
    pattern: '(?:(?:IATF|ISO\\s?/?\\s?TS|TS)\\s?-?\\s?)?16949(?::?\\s?20\\d{2})?',
  },
  { id: 'AS9100', en: 'AS9100', pattern: '(?:AS|EN|JISQ)\\s?-?\\s?9100[A-D]?' },
  { id: 'AS9120', en: 'AS9120', pattern: 'AS\\s?-?\\s?9120[A-B]?' },
  { id: 'GJB9001', en: 'GJB 9001', pattern: 'GJB\\s?9001[A-C]?' },
  {
    id: 'ISO9001',
    en: 'ISO 9001',
    pattern:
      'ISO\\s?-?\\s?9001(?::?\\s?(?:19|20)\\d{2})?|9001(?=\\s?(?:认证|体系|证书|质量体系|certified|certification))',
  },
  {
    id: 'ISO14001',
    en: 'ISO 14001',
    pattern: 'ISO\\s?-?\\s?14001(?::?\\s?20\\d{2})?|14001(?=\\s?(?:认证|体系|证书))',
  },
  {
    id: 'ISO13485',
    en: 'ISO 13485',
    pattern: 'ISO\\s?-?\\s?13485(?::?\\s?20\\d{2})?|13485(?=\\s?(?:认证|体系|证书))',
  },
  { id: 'ISO45001', en: 'ISO 45001', pattern: 'ISO\\s?-?\\s?45001(?::?\\s?20\\d{2})?|OHSAS\\s?18001' },
  { id: 'ISO50001', en: 'ISO 50001', pattern: 'ISO\\s?-?\\s?50001' },
  { id: 'ISO27001', en: 'ISO 27001', pattern: 'ISO\\s?-?\\s?27001' },
  { id: 'ISO17025', en: 'ISO 17025', pattern: 'ISO\\s?-?\\s?17025' },
  { id: 'ISO3834', en: 'ISO 3834', pattern: 'ISO\\s?-?\\s?3834(?:-2)?' },
  { id: 'IPC-A-600', en: 'IPC-A-600', pattern: 'IPC\\s?-?\\s?A\\s?-?\\s?600[A-K]?' },
  { id: 'IPC-A-610', en: 'IPC-A-610', pattern: 'IPC\\s?-?\\s?A\\s?-?\\s?610[A-H]?' },
  {
    id: 'IPC-A-620',
    en: 'IPC/WHMA-A-620',
    pattern: '(?:IPC\\s?/\\s?WHMA|IPC)\\s?-?\\s?A\\s?-?\\s?620[A-E]?',
  },
  { id: 'NADCAP', en: 'Nadcap', pattern: 'NADCAP' },
  { id: 'RoHS', en: 'RoHS', pattern: 'RoHS\\s?[23]?' },
  { id: 'REACH', en: 'REACH', pattern: 'REACH', caseSensitive: true },
  { id: 'UL', en: 'UL', pattern: 'UL(?!\\s?-?\\d)', caseSensitive: true },
  { id: 'CSA', en: 'CSA', pattern: 'CSA(?!\\s?-?\\d)', caseSensitive: true },
  { id: 'CE', en: 'CE', pattern: 'CE', caseSensitive: true },
  { id: 'CCC', en: 'CCC', pattern: 'CCC|3C认证', caseSensitive: true },
  { id: 'FDA', en: 'FDA', pattern: 'FDA', caseSensitive: true },
  { id: 'ITAR', en: 'ITAR', pattern: 'ITAR', caseSensitive: true },
];

/** Words that contain an alias but mean something else; matching them first keeps the alias out. */
export const STOP_WORDS: readonly string[] = [
  '抗氧化',
  '防氧化',
  '微弧氧化',
  '焊管',
  '钢网',
  '钢印',
  '模具零件',
  '模具配件',
  '模具寿命',
  '来图加工',
  '铝箔袋',
  '钛白粉',
  '铁路',
  '地铁',
  '铁盒',
  'weld nut',
  'weld nuts',
  'weld stud',
  'weld studs',
];

/** One meaning a matched term carries (a compound such as 铝型材 carries two). */
export type Facet =
  | { kind: 'process'; id: string; category: string; generic: boolean; auxiliary: boolean }
  | { kind: 'finish'; id: string; group: FinishGroup; generic: boolean }
  | { kind: 'material'; family: string; grade?: string; generic: boolean; needsFamily?: boolean }
  | { kind: 'certification'; id: string }
  | { kind: 'stop' };

/** A term found in a text: where, the words, and what they mean. */
export interface TermMatch {
  start: number;
  end: number;
  text: string;
  facets: Facet[];
}

/** Compound words that name a process and a material at once. */
export const COMPOUNDS: ReadonlyArray<{
  alias: string;
  process?: string;
  material?: string;
  finish?: string;
}> = [
  { alias: '铝型材', process: 'extrusion', material: 'aluminium' },
  { alias: '铝挤', process: 'extrusion', material: 'aluminium' },
  { alias: '铝挤型', process: 'extrusion', material: 'aluminium' },
  { alias: '铝挤型材', process: 'extrusion', material: 'aluminium' },
  { alias: '铝压铸', process: 'die-casting', material: 'aluminium' },
  { alias: '铝压铸件', process: 'die-casting', material: 'aluminium' },
  { alias: '锌合金压铸', process: 'die-casting', material: 'zinc' },
  { alias: 'zinc die cast', process: 'die-casting', material: 'zinc' },
  { alias: 'zinc die-cast', process: 'die-casting', material: 'zinc' },
  { alias: 'zinc die casting', process: 'die-casting', material: 'zinc' },
  { alias: 'zinc die castings', process: 'die-casting', material: 'zinc' },
  { alias: 'zinc alloy die casting', process: 'die-casting', material: 'zinc' },
  { alias: '铝铸件', process: 'casting', material: 'aluminium' },
  { alias: '不锈钢铸件', process: 'casting', material: 'stainless-steel' },
  { alias: '铸铝', process: 'casting', material: 'aluminium' },
  { alias: '铸钢', process: 'casting', material: 'carbon-steel' },
  { alias: '铸铁件', process: 'casting', material: 'cast-iron' },
  { alias: '钢结构件', process: 'welding', material: 'carbon-steel' },
  { alias: 'die-cast aluminium', process: 'die-casting', material: 'aluminium' },
  { alias: 'die-cast aluminum', process: 'die-casting', material: 'aluminium' },
  { alias: 'die cast aluminium', process: 'die-casting', material: 'aluminium' },
  { alias: 'die cast aluminum', process: 'die-casting', material: 'aluminium' },
  { alias: 'cast aluminium', process: 'casting', material: 'aluminium' },
  { alias: 'cast aluminum', process: 'casting', material: 'aluminium' },
  { alias: 'aluminium profiles', process: 'extrusion', material: 'aluminium' },
  { alias: 'aluminum profiles', process: 'extrusion', material: 'aluminium' },
  { alias: 'aluminium extrusions', process: 'extrusion', material: 'aluminium' },
  { alias: 'aluminum extrusions', process: 'extrusion', material: 'aluminium' },
  { alias: 'aluminium extrusion', process: 'extrusion', material: 'aluminium' },
  { alias: 'aluminum extrusion', process: 'extrusion', material: 'aluminium' },
];

interface AliasEntry {
  alias: string;
  /** The alias as matched: lower case unless case-sensitive. */
  key: string;
  caseSensitive: boolean;
  /** Latin aliases must stand as words (no letter or digit right before or after). */
  word: boolean;
  facets: Facet[];
}

interface CompiledPattern {
  re: RegExp;
  priority: number;
  toFacet: (match: string) => Facet;
}

const LATIN_RE = /^[\x20-\x7e]+$/;
const TOOL_CONTEXT_RE =
  /\b(?:dies?|moulds?|molds?|die inserts?|mould inserts?|mold inserts?)\b|模具|模仁|镶件|镶块/;
const WORD_CHAR_RE = /[A-Za-z0-9]/;

/**
 * The glossary as a matcher. Build one per parser or retriever; it holds only indexes of the constant
 * tables above.
 *
 * @example
 * const g = new Glossary();
 * g.findTerms('需要304不锈钢CNC加工零件,阳极氧化').map((t) => t.text); // ['304', '不锈钢', 'CNC加工', '阳极氧化']
 * g.expand('阳极氧化'); // ['anodizing', '阳极氧化', '阳极', …, 'anodized', …]
 */
export class Glossary {
  private readonly byFirst = new Map<string, AliasEntry[]>();
  private readonly patterns: CompiledPattern[] = [];
  private readonly conceptAliases = new Map<string, string[]>();
  private readonly aliasConcepts = new Map<string, string[]>();

  constructor() {
    for (const p of PROCESSES) {
      const facet: Facet = {
        kind: 'process',
        id: p.id,
        category: p.category,
        generic: p.generic === true,
        auxiliary: p.auxiliary === true,
      };
      this.addConcept(`process:${p.id}`, [p.id, p.en, p.zh, ...p.aliases]);
      for (const a of p.aliases) this.addAlias(a, [facet]);
    }
    for (const f of FINISHES) {
      const facet: Facet = { kind: 'finish', id: f.id, group: f.group, generic: f.generic === true };
      this.addConcept(`finish:${f.id}`, [f.id, f.en, f.zh, ...f.aliases]);
      for (const a of f.aliases) this.addAlias(a, [facet]);
    }
    for (const m of MATERIALS) {
      const facet: Facet = { kind: 'material', family: m.family, generic: m.generic === true };
      this.addConcept(`material:${m.family}`, [m.family, m.en, m.zh, ...m.aliases]);
      for (const a of m.aliases) this.addAlias(a, [facet]);
    }
    for (const c of COMPOUNDS) {
      const facets: Facet[] = [];
      if (c.process) {
        const p = PROCESSES.find((x) => x.id === c.process)!;
        facets.push({
          kind: 'process',
          id: p.id,
          category: p.category,
          generic: p.generic === true,
          auxiliary: false,
        });
      }
      if (c.material) facets.push({ kind: 'material', family: c.material, generic: false });
      this.addAlias(c.alias, facets);
    }
    for (const s of STOP_WORDS) this.addAlias(s, [{ kind: 'stop' }]);
    for (const list of this.byFirst.values()) list.sort((a, b) => b.key.length - a.key.length);

    for (const g of GRADES) {
      const flags = g.caseSensitive === true ? 'g' : 'gi';
      const re = new RegExp(`(?<![A-Za-z0-9.])${g.pattern}(?![A-Za-z0-9])`, flags);
      const canonical = g.canonical ?? ((m: string) => m.replace(/\s+/g, ''));
      this.patterns.push({
        re,
        priority: 2,
        toFacet: (m) => ({
          kind: 'material',
          family: g.family,
          grade: canonical(m),
          generic: false,
          ...(g.needsFamily === true ? { needsFamily: true } : {}),
        }),
      });
    }
    for (const c of CERTIFICATIONS) {
      const flags = c.caseSensitive === true ? 'g' : 'gi';
      const re = new RegExp(`(?<![A-Za-z0-9])(?:${c.pattern})(?![A-Za-z0-9])`, flags);
      this.patterns.push({ re, priority: 3, toFacet: () => ({ kind: 'certification', id: c.id }) });
      this.addConcept(`certification:${c.id}`, [c.id, c.en]);
    }
  }

  /**
   * The terms in a text (normalise it first: half-width, Simplified), left to right. Overlaps are
   * resolved longest first; a stop word hides the aliases inside it. Grades that need their family
   * (`304`, `H13`) are kept only when the family is named somewhere in the text.
   */
  findTerms(text: string): TermMatch[] {
    const lower = lowerSameLength(text);
    const candidates: Array<TermMatch & { priority: number }> = [];
    for (let i = 0; i < text.length; i++) {
      const list = this.byFirst.get(lower[i]!);
      if (list === undefined) continue;
      for (const e of list) {
        const hay = e.caseSensitive ? text : lower;
        if (!hay.startsWith(e.key, i)) continue;
        const end = i + e.key.length;
        if (e.word && !standsAlone(text, i, end)) continue;
        candidates.push({ start: i, end, text: text.slice(i, end), facets: e.facets, priority: 1 });
        break; // the longest alias starting here
      }
    }
    for (const p of this.patterns) {
      p.re.lastIndex = 0;
      for (const m of text.matchAll(p.re)) {
        const start = m.index;
        candidates.push({
          start,
          end: start + m[0].length,
          text: m[0],
          facets: [p.toFacet(m[0])],
          priority: p.priority,
        });
      }
    }
    candidates.sort(
      (a, b) => b.end - b.start - (a.end - a.start) || b.priority - a.priority || a.start - b.start,
    );
    const taken: Array<TermMatch & { priority: number }> = [];
    for (const c of candidates) {
      if (taken.some((t) => c.start < t.end && t.start < c.end)) continue;
      taken.push(c);
    }
    taken.sort((a, b) => a.start - b.start);
    const families = new Set<string>();
    // A die or mould named in the text makes H13, D2, P20 tool steels ("H13 die inserts", "模具用P20").
    if (TOOL_CONTEXT_RE.test(lower)) families.add('tool-steel');
    for (const t of taken)
      for (const f of t.facets) if (f.kind === 'material' && f.needsFamily !== true) families.add(f.family);
    const out: TermMatch[] = [];
    for (const { priority: _p, ...t } of taken) {
      const facets = t.facets.filter(
        (f) =>
          f.kind !== 'stop' &&
          !(f.kind === 'material' && f.needsFamily === true && !familyNamed(f.family, families)),
      );
      if (facets.length > 0) out.push({ ...t, facets });
    }
    return out;
  }

  /**
   * Every alias (Chinese and English) of the concepts a word names: `阳极氧化` → `anodizing`,
   * `anodized`, `阳极`, …; `stainless` → `不锈钢`, `SUS`, …. Empty when the word is not in the glossary.
   */
  expand(word: string): string[] {
    const concepts = this.aliasConcepts.get(word.trim().toLowerCase()) ?? [];
    const out = new Set<string>();
    for (const c of concepts) for (const a of this.conceptAliases.get(c) ?? []) out.add(a);
    return [...out];
  }

  /** The glossary's Chinese words, for a segmenter's user dictionary. */
  chineseWords(): string[] {
    const out = new Set<string>();
    for (const list of this.byFirst.values())
      for (const e of list) if (/[\u4e00-\u9fff]/.test(e.alias)) out.add(e.alias);
    return [...out];
  }

  private addAlias(alias: string, facets: Facet[]): void {
    const latin = LATIN_RE.test(alias);
    // Short all-capital acronyms (PC, PP, SMT, UL) are matched as written; everything else ignoring case.
    const caseSensitive = latin && alias.length <= 3 && alias === alias.toUpperCase() && /[A-Z]/.test(alias);
    const key = caseSensitive ? alias : alias.toLowerCase();
    const first = key[0]!.toLowerCase();
    const list = this.byFirst.get(first) ?? [];
    // The same alias in two tables (rare) merges its facets.
    const existing = list.find((e) => e.key === key && e.caseSensitive === caseSensitive);
    if (existing) existing.facets = [...existing.facets, ...facets];
    else
      list.push({
        alias,
        key,
        caseSensitive,
        word: /^[A-Za-z0-9]/.test(alias) || /[A-Za-z0-9]$/.test(alias),
        facets,
      });
    this.byFirst.set(first, list);
  }

  private addConcept(concept: string, words: string[]): void {
    this.conceptAliases.set(concept, [...new Set(words)]);
    for (const w of words) {
      const k = w.toLowerCase();
      const list = this.aliasConcepts.get(k) ?? [];
      if (!list.includes(concept)) list.push(concept);
      this.aliasConcepts.set(k, list);
    }
  }
}

// A family named by a related word also licenses the grade: "52100 steel" (generic steel) names an
// alloy-steel grade, "D2 tool steel" a tool-steel one.
function familyNamed(family: string, named: ReadonlySet<string>): boolean {
  if (named.has(family)) return true;
  const steels = ['carbon-steel', 'alloy-steel', 'tool-steel'];
  if (steels.includes(family) && named.has('carbon-steel')) return true;
  return false;
}

/** Lower case, one UTF-16 unit for one (the rare characters whose lower case is longer are kept as they are). */
function lowerSameLength(text: string): string {
  const lower = text.toLowerCase();
  if (lower.length === text.length) return lower;
  let out = '';
  for (const ch of text) {
    const l = ch.toLowerCase();
    out += l.length === ch.length ? l : ch;
  }
  return out;
}

function standsAlone(text: string, start: number, end: number): boolean {
  const before = start > 0 ? text[start - 1]! : '';
  const after = end < text.length ? text[end]! : '';
  const key = text.slice(start, end);
  if (/^[A-Za-z0-9]/.test(key) && before !== '' && WORD_CHAR_RE.test(before)) return false;
  if (/[A-Za-z0-9]$/.test(key) && after !== '' && WORD_CHAR_RE.test(after)) return false;
  return true;
}

/** Escaped alternation of words, longest first (for building patterns from alias lists). */
export function alternation(words: readonly string[]): string {
  return [...words]
    .sort((a, b) => b.length - a.length)
    .map(escapeRegExp)
    .join('|');
}
