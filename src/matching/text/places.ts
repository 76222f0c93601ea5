/**
 * A small gazetteer of industrial cities, in Chinese and English, with their ISO 3166-2 region code
 * (ISO 3166-1 alpha-2 for city states): 东莞 → CN-GD, 苏州 → CN-JS, Hamburg → DE-HH, Stuttgart → DE-BW.
 *
 * It is enough to read "交货到东莞" or "delivery Hamburg"; it is not a geocoder. Districts and towns a
 * buyer adds after the city (东莞长安镇, 宁波北仑) are left to the text. A name two places share (奥克兰 is
 * both Auckland and Oakland) is resolved by the other words of the text (新西兰, 美国, California…), and
 * otherwise left ambiguous: the match names its candidates and no place.
 */
import { foldLatin } from './normalize.js';

export interface Place {
  /** Region code: `CN-GD`, `DE-HH`, `US-TX`, `SG`. */
  region: string;
  /** Chinese names (Simplified), the first one canonical. */
  zh: readonly string[];
  /** English (and local Latin) names, the first one canonical. */
  en: readonly string[];
  /**
   * Words (Simplified Chinese, or lower-case Latin matched as whole words) that pick this place when
   * one of its names is shared with another place.
   */
  context?: readonly string[];
}

const p = (region: string, zh: string[], en: string[], context?: string[]): Place => ({
  region,
  zh,
  en,
  ...(context ? { context } : {}),
});

export const PLACES: readonly Place[] = [
  // China: the Pearl River Delta, the Yangtze River Delta and the other manufacturing regions.
  p('CN-GD', ['深圳'], ['Shenzhen']),
  p('CN-GD', ['东莞'], ['Dongguan']),
  p('CN-GD', ['广州'], ['Guangzhou']),
  p('CN-GD', ['佛山'], ['Foshan']),
  p('CN-GD', ['中山'], ['Zhongshan']),
  p('CN-GD', ['珠海'], ['Zhuhai']),
  p('CN-GD', ['惠州'], ['Huizhou']),
  p('CN-GD', ['江门'], ['Jiangmen']),
  p('CN-GD', ['汕头'], ['Shantou']),
  p('CN-GD', ['肇庆'], ['Zhaoqing']),
  p('CN-JS', ['苏州'], ['Suzhou']),
  p('CN-JS', ['昆山'], ['Kunshan']),
  p('CN-JS', ['无锡'], ['Wuxi']),
  p('CN-JS', ['常州'], ['Changzhou']),
  p('CN-JS', ['南京'], ['Nanjing']),
  p('CN-JS', ['南通'], ['Nantong']),
  p('CN-JS', ['扬州'], ['Yangzhou']),
  p('CN-JS', ['镇江'], ['Zhenjiang']),
  p('CN-JS', ['太仓'], ['Taicang']),
  p('CN-JS', ['江阴'], ['Jiangyin']),
  p('CN-JS', ['张家港'], ['Zhangjiagang']),
  p('CN-JS', ['泰州'], []),
  p('CN-JS', ['徐州'], ['Xuzhou']),
  p('CN-ZJ', ['宁波'], ['Ningbo']),
  p('CN-ZJ', ['杭州'], ['Hangzhou']),
  p('CN-ZJ', ['温州'], ['Wenzhou']),
  p('CN-ZJ', ['台州'], ['Taizhou']),
  p('CN-ZJ', ['嘉兴'], ['Jiaxing']),
  p('CN-ZJ', ['绍兴'], ['Shaoxing']),
  p('CN-ZJ', ['义乌'], ['Yiwu']),
  p('CN-ZJ', ['金华'], ['Jinhua']),
  p('CN-ZJ', ['湖州'], ['Huzhou']),
  p('CN-ZJ', ['慈溪'], ['Cixi']),
  p('CN-ZJ', ['余姚'], ['Yuyao']),
  p('CN-ZJ', ['永康'], ['Yongkang']),
  p('CN-SH', ['上海'], ['Shanghai']),
  p('CN-BJ', ['北京'], ['Beijing', 'Peking']),
  p('CN-TJ', ['天津'], ['Tianjin']),
  p('CN-CQ', ['重庆'], ['Chongqing']),
  p('CN-SD', ['青岛'], ['Qingdao']),
  p('CN-SD', ['济南'], ['Jinan']),
  p('CN-SD', ['烟台'], ['Yantai']),
  p('CN-SD', ['潍坊'], ['Weifang']),
  p('CN-SD', ['威海'], ['Weihai']),
  p('CN-SD', ['淄博'], ['Zibo']),
  p('CN-FJ', ['厦门'], ['Xiamen']),
  p('CN-FJ', ['福州'], ['Fuzhou']),
  p('CN-FJ', ['泉州'], ['Quanzhou']),
  p('CN-HB', ['武汉'], ['Wuhan']),
  p('CN-HB', ['襄阳'], ['Xiangyang']),
  p('CN-HB', ['十堰'], ['Shiyan']),
  p('CN-HN', ['长沙'], ['Changsha']),
  p('CN-HN', ['株洲'], ['Zhuzhou']),
  p('CN-HA', ['郑州'], ['Zhengzhou']),
  p('CN-HA', ['洛阳'], ['Luoyang']),
  p('CN-SC', ['成都'], ['Chengdu']),
  p('CN-SC', ['绵阳'], ['Mianyang']),
  p('CN-SN', ['西安'], ["Xi'an", 'Xian']),
  p('CN-LN', ['沈阳'], ['Shenyang']),
  p('CN-LN', ['大连'], ['Dalian']),
  p('CN-JL', ['长春'], ['Changchun']),
  p('CN-HL', ['哈尔滨'], ['Harbin']),
  p('CN-AH', ['合肥'], ['Hefei']),
  p('CN-AH', ['芜湖'], ['Wuhu']),
  p('CN-HE', ['石家庄'], ['Shijiazhuang']),
  p('CN-HE', ['保定'], ['Baoding']),
  p('CN-HE', ['唐山'], ['Tangshan']),
  p('CN-HE', ['沧州'], ['Cangzhou']),
  p('CN-JX', ['南昌'], ['Nanchang']),
  p('CN-GX', ['柳州'], ['Liuzhou']),
  p('CN-GX', ['南宁'], ['Nanning']),
  p('CN-YN', ['昆明'], ['Kunming']),
  p('CN-GZ', ['贵阳'], ['Guiyang']),
  p('CN-SX', ['太原'], ['Taiyuan']),
  p('CN-JS', ['常熟'], ['Changshu']),
  p('CN-JS', ['盐城'], ['Yancheng']),
  p('CN-ZJ', ['舟山'], ['Zhoushan']),
  p('CN-FJ', ['宁德'], ['Ningde']),
  p('CN-SD', ['临沂'], ['Linyi']),
  p('CN-SD', ['东营'], ['Dongying']),
  p('CN-HE', ['廊坊'], ['Langfang']),
  p('CN-HA', ['新乡'], ['Xinxiang']),
  p('CN-HB', ['宜昌'], ['Yichang']),
  p('CN-HN', ['湘潭'], ['Xiangtan']),
  p('CN-LN', ['鞍山'], ['Anshan']),
  p('CN-NM', ['包头'], ['Baotou']),
  p('CN-GS', ['兰州'], ['Lanzhou']),
  p('HK', ['香港'], ['Hong Kong', 'HK']),
  p('MO', ['澳门'], ['Macau', 'Macao']),
  // Taiwan.
  p('TW-TPE', ['台北', '臺北'], ['Taipei']),
  p('TW-NWT', ['新北'], ['New Taipei']),
  p('TW-TXG', ['台中', '臺中'], ['Taichung']),
  p('TW-HSZ', ['新竹'], ['Hsinchu']),
  p('TW-TAO', ['桃园'], ['Taoyuan']),
  p('TW-TNN', ['台南', '臺南'], ['Tainan']),
  p('TW-KHH', ['高雄'], ['Kaohsiung']),
  p('TW-CHA', ['彰化'], ['Changhua']),
  p('TW-KEE', ['基隆'], ['Keelung']),
  p('TW-CYI', ['嘉义'], ['Chiayi']),
  p('TW-PIF', ['屏东'], ['Pingtung']),
  // Germany.
  p('DE-HH', ['汉堡'], ['Hamburg']),
  p('DE-BW', ['斯图加特'], ['Stuttgart']),
  p('DE-BW', ['曼海姆'], ['Mannheim']),
  p('DE-BW', ['卡尔斯鲁厄'], ['Karlsruhe']),
  p('DE-BW', ['乌尔姆'], ['Ulm']),
  p('DE-BY', ['慕尼黑'], ['Munich', 'München', 'Muenchen']),
  p('DE-BY', ['纽伦堡'], ['Nuremberg', 'Nürnberg', 'Nuernberg']),
  p('DE-BY', ['因戈尔施塔特'], ['Ingolstadt']),
  p('DE-BY', ['雷根斯堡'], ['Regensburg']),
  p('DE-BE', ['柏林'], ['Berlin']),
  p('DE-HE', ['法兰克福'], ['Frankfurt']),
  p('DE-NW', ['科隆'], ['Cologne', 'Köln', 'Koeln']),
  p('DE-NW', ['杜塞尔多夫'], ['Düsseldorf', 'Duesseldorf', 'Dusseldorf']),
  p('DE-NW', ['多特蒙德'], ['Dortmund']),
  p('DE-NW', ['埃森'], ['Essen']),
  p('DE-NI', ['沃尔夫斯堡'], ['Wolfsburg']),
  p('DE-NI', ['汉诺威'], ['Hannover', 'Hanover']),
  p('DE-HB', ['不来梅'], ['Bremen']),
  p('DE-SN', ['莱比锡'], ['Leipzig']),
  p('DE-SN', ['德累斯顿'], ['Dresden']),
  p('DE-SN', ['开姆尼茨'], ['Chemnitz']),
  // Rest of Europe.
  p('NL-ZH', ['鹿特丹'], ['Rotterdam']),
  p('NL-NB', ['埃因霍温'], ['Eindhoven']),
  p('NL-NH', ['阿姆斯特丹'], ['Amsterdam']),
  p('BE-VAN', ['安特卫普'], ['Antwerp', 'Antwerpen', 'Anvers']),
  p('FR-IDF', ['巴黎'], ['Paris']),
  p('FR-ARA', ['里昂'], ['Lyon']),
  p('FR-OCC', ['图卢兹'], ['Toulouse']),
  p('IT-MI', ['米兰'], ['Milan', 'Milano']),
  p('IT-TO', ['都灵'], ['Turin', 'Torino']),
  p('IT-BO', ['博洛尼亚'], ['Bologna']),
  p('ES-B', ['巴塞罗那'], ['Barcelona']),
  p('ES-M', ['马德里'], ['Madrid']),
  p('AT-9', ['维也纳'], ['Vienna', 'Wien']),
  p('AT-4', ['林茨'], ['Linz']),
  p('AT-6', ['格拉茨'], ['Graz']),
  p('CH-ZH', ['苏黎世'], ['Zurich', 'Zürich']),
  p('CH-BS', ['巴塞尔'], ['Basel']),
  p('CZ-10', ['布拉格'], ['Prague', 'Praha']),
  p('CZ-64', ['布尔诺'], ['Brno']),
  p('PL-MZ', ['华沙'], ['Warsaw', 'Warszawa']),
  p('PL-DS', ['弗罗茨瓦夫'], ['Wroclaw', 'Wrocław']),
  p('HU-BU', ['布达佩斯'], ['Budapest']),
  p('HU-GS', ['杰尔'], ['Győr', 'Gyor']),
  p('SE-O', ['哥德堡'], ['Gothenburg', 'Göteborg', 'Goteborg']),
  p('SE-AB', ['斯德哥尔摩'], ['Stockholm']),
  p('DK-84', ['哥本哈根'], ['Copenhagen', 'København']),
  p('GB-BIR', ['伯明翰'], ['Birmingham']),
  p('GB-MAN', ['曼彻斯特'], ['Manchester']),
  p('GB-LND', ['伦敦'], ['London']),
  p('GB-COV', ['考文垂'], ['Coventry']),
  p('GB-LDS', ['利兹'], ['Leeds']),
  p('GB-SHF', ['谢菲尔德'], ['Sheffield']),
  p('GB-GLG', ['格拉斯哥'], ['Glasgow']),
  p('GB-ABE', ['阿伯丁'], ['Aberdeen']),
  p('GB-BST', ['布里斯托尔'], ['Bristol']),
  p('GB-CAM', ['剑桥'], ['Cambridge']),
  p('IE-D', ['都柏林'], ['Dublin']),
  p('IL-TA', ['特拉维夫'], ['Tel Aviv', 'Tel-Aviv']),
  p('IL-HA', ['海法'], ['Haifa']),
  p('TR-34', ['伊斯坦布尔'], ['Istanbul']),
  p('TR-16', ['布尔萨'], ['Bursa']),
  // North America.
  p('US-MI', ['底特律'], ['Detroit']),
  p('US-IL', ['芝加哥'], ['Chicago']),
  p('US-TX', ['休斯顿'], ['Houston']),
  p('US-TX', ['达拉斯'], ['Dallas']),
  p('US-TX', ['奥斯汀'], ['Austin']),
  p('US-CA', ['圣何塞'], ['San Jose']),
  p('US-CA', ['洛杉矶'], ['Los Angeles', 'LA']),
  p('US-CA', ['长滩'], ['Long Beach']),
  p('US-CA', ['弗里蒙特'], ['Fremont']),
  p('US-WA', ['西雅图'], ['Seattle']),
  p('US-MA', ['波士顿'], ['Boston']),
  p('US-OH', ['克利夫兰'], ['Cleveland']),
  p('US-OH', ['哥伦布'], ['Columbus']),
  p('US-NC', ['夏洛特'], ['Charlotte']),
  p('US-GA', ['亚特兰大'], ['Atlanta']),
  p('US-AZ', ['凤凰城'], ['Phoenix']),
  p('US-MN', ['明尼阿波利斯'], ['Minneapolis']),
  p('US-PA', ['匹兹堡'], ['Pittsburgh']),
  p('US-SC', ['格林维尔'], ['Greenville']),
  p('US-KS', ['威奇托'], ['Wichita']),
  p('US-TN', ['纳什维尔'], ['Nashville']),
  p('US-TN', ['孟菲斯'], ['Memphis']),
  p('US-CO', ['丹佛'], ['Denver']),
  p('US-NY', ['纽约'], ['New York']),
  p('US-SC', ['查尔斯顿'], ['Charleston']),
  p('MX-NLE', ['蒙特雷'], ['Monterrey']),
  p('MX-QUE', ['克雷塔罗'], ['Querétaro', 'Queretaro']),
  p('MX-BCN', ['蒂华纳'], ['Tijuana']),
  p('MX-JAL', ['瓜达拉哈拉'], ['Guadalajara']),
  p('CA-ON', ['多伦多'], ['Toronto']),
  p('CA-ON', ['温莎'], ['Windsor']),
  p('CA-QC', ['蒙特利尔'], ['Montreal', 'Montréal']),
  // Asia and Oceania.
  p('JP-13', ['东京'], ['Tokyo']),
  p('JP-27', ['大阪'], ['Osaka']),
  p('JP-23', ['名古屋'], ['Nagoya']),
  p('KR-11', ['首尔'], ['Seoul']),
  p('KR-26', ['釜山'], ['Busan']),
  p('KR-31', ['蔚山'], ['Ulsan']),
  p('SG', ['新加坡'], ['Singapore']),
  p('MY-07', ['槟城'], ['Penang']),
  p('MY-14', ['吉隆坡'], ['Kuala Lumpur']),
  p('TH-10', ['曼谷'], ['Bangkok']),
  p('TH-21', ['罗勇'], ['Rayong']),
  p('VN-SG', ['胡志明市', '胡志明'], ['Ho Chi Minh City', 'Saigon', 'HCMC']),
  p('VN-HN', ['河内'], ['Hanoi']),
  p('VN-HP', ['海防'], ['Haiphong', 'Hai Phong']),
  p('VN-56', ['北宁'], ['Bac Ninh']),
  p('IN-TN', ['金奈'], ['Chennai']),
  p('IN-MH', ['浦那'], ['Pune']),
  p('IN-MH', ['孟买'], ['Mumbai']),
  p('IN-KA', ['班加罗尔'], ['Bangalore', 'Bengaluru']),
  p('ID-JK', ['雅加达'], ['Jakarta']),
  p('PH-00', ['马尼拉'], ['Manila']),
  p('AE-DU', ['迪拜'], ['Dubai']),
  p('AU-NSW', ['悉尼'], ['Sydney']),
  p('AU-VIC', ['墨尔本'], ['Melbourne']),
  p('AU-WA', ['珀斯'], ['Perth']),
  p('AU-QLD', ['布里斯班'], ['Brisbane']),
  p('AU-SA', ['阿德莱德'], ['Adelaide']),
  // 奥克兰 is both Auckland and Oakland: the rest of the text decides, or nothing does.
  p('NZ-AUK', ['奥克兰'], ['Auckland'], ['新西兰', '纽西兰', 'new zealand', 'nz']),
  p(
    'US-CA',
    ['奥克兰'],
    ['Oakland'],
    [
      '美国',
      '加州',
      '加利福尼亚',
      '旧金山',
      '湾区',
      'california',
      'usa',
      'u.s.',
      'united states',
      'san francisco',
      'bay area',
    ],
  ),
];

/** A place named in a text. */
export interface PlaceMatch {
  start: number;
  end: number;
  /** The name as written. */
  text: string;
  /** The place named; absent when the name is shared by several places and the text does not say which. */
  place?: Place;
  /** Every place with this name (one, unless the name is shared). */
  candidates: readonly Place[];
}

interface PlaceName {
  /** Simplified Chinese, or folded Latin (no diacritics, lower case). */
  key: string;
  latin: boolean;
  places: Place[];
}

/**
 * Finds the gazetteer's places in a text. Build one per parser; it indexes the constant table.
 *
 * @example
 * new Gazetteer().find('交货到东莞长安镇')[0]; // { text: '东莞', place: { region: 'CN-GD', … }, … }
 */
export class Gazetteer {
  private readonly names: PlaceName[];

  constructor(places: readonly Place[] = PLACES) {
    const byKey = new Map<string, PlaceName>();
    const add = (key: string, latin: boolean, place: Place) => {
      const id = `${latin ? 'l' : 'z'}:${key}`;
      const known = byKey.get(id);
      if (!known) byKey.set(id, { key, latin, places: [place] });
      else if (!known.places.includes(place)) known.places.push(place);
    };
    for (const place of places) {
      for (const zh of place.zh) add(zh, false, place);
      // Two-letter abbreviations (HK, LA) are too ambiguous for free text.
      for (const en of place.en) if (en.length > 2) add(foldLatin(en), true, place);
    }
    this.names = [...byKey.values()].sort((a, b) => b.key.length - a.key.length);
  }

  /** The places named in the text (normalised: Simplified), left to right, longest name first at a position. */
  find(text: string): PlaceMatch[] {
    const folded = foldSameLength(text);
    const out: PlaceMatch[] = [];
    const taken: Array<[number, number]> = [];
    for (const n of this.names) {
      const hay = n.latin ? folded : text;
      let from = 0;
      for (;;) {
        const i = hay.indexOf(n.key, from);
        if (i < 0) break;
        from = i + 1;
        const end = i + n.key.length;
        if (n.latin && !wordAt(hay, i, end)) continue;
        if (taken.some(([s, e]) => i < e && s < end)) continue;
        taken.push([i, end]);
        const place = n.places.length === 1 ? n.places[0] : pickByContext(n.places, text, folded);
        out.push({
          start: i,
          end,
          text: text.slice(i, end),
          candidates: n.places,
          ...(place ? { place } : {}),
        });
      }
    }
    return out.sort((a, b) => a.start - b.start);
  }
}

/** Of the places sharing a name, the one whose context words the text holds, when exactly one does. */
function pickByContext(places: readonly Place[], text: string, folded: string): Place | undefined {
  const said = places.filter((pl) =>
    (pl.context ?? []).some((w) => {
      if (/[\u4e00-\u9fff]/.test(w)) return text.includes(w);
      for (let i = folded.indexOf(w); i >= 0; i = folded.indexOf(w, i + 1)) {
        if (wordAt(folded, i, i + w.length)) return true;
      }
      return false;
    }),
  );
  return said.length === 1 ? said[0] : undefined;
}

/** Folds diacritics and case without changing the length (a character whose folding is longer is kept). */
function foldSameLength(text: string): string {
  let out = '';
  for (const ch of text) {
    const f = foldLatin(ch);
    out += f.length === ch.length ? f : ch.toLowerCase().length === ch.length ? ch.toLowerCase() : ch;
  }
  return out;
}

function wordAt(text: string, start: number, end: number): boolean {
  const before = start > 0 ? text[start - 1]! : ' ';
  const after = end < text.length ? text[end]! : ' ';
  return !/[a-z0-9]/.test(before) && !/[a-z0-9]/.test(after);
}
