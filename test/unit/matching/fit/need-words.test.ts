import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  casts,
  countsTools,
  forms,
  notFormed,
  partKinds,
  stockOrMake,
  toolMakes,
  wroughtOnly,
} from '../../../../src/matching/fit/index.js';

test('stock or make: stock only on a positive sign, words of making overrule it', () => {
  const asks = (text: string, unit?: string) => stockOrMake(text, unit).asks;
  // Stock: mass, length or rolls; stock forms; standard fasteners (Simplified and Traditional).
  assert.equal(asks('买两吨304不锈钢', 'kg'), 'stock');
  assert.equal(asks('6061 aluminium, 300 m', 'm'), 'stock');
  assert.equal(asks('304不锈钢棒材 500根', 'pcs'), 'stock');
  assert.equal(asks('求購7075鋁棒，直徑50mm', 'pcs'), 'stock');
  assert.equal(asks('不锈钢焊管 Φ38*1.2', 'pcs'), 'stock');
  assert.equal(asks('Q235钢板 100张', 'pcs'), 'stock');
  assert.equal(asks('304 round bars, 500 pcs', 'pcs'), 'stock');
  assert.equal(asks('6061 plate stock 20 mm', 'pcs'), 'stock');
  assert.equal(asks('求购M6不锈钢螺丝 10万颗', 'pcs'), 'stock');
  assert.equal(asks('不鏽鋼螺絲 M6', 'pcs'), 'stock');
  assert.equal(asks('10k M8 zinc-plated steel nuts', 'pcs'), 'stock');
  assert.equal(asks('DIN 125 washers, 50k', 'pcs'), 'stock');
  // Make: words of making, even beside a stock word; or nothing said either way.
  assert.equal(asks('按图纸加工M8非标螺栓 5000个', 'pcs'), 'make');
  assert.equal(asks('machined from 6061 bar stock, 200 pcs', 'pcs'), 'make');
  assert.equal(asks('custom M5 screws, 20k', 'pcs'), 'make');
  assert.equal(asks('需要500个铝合金外壳', 'pcs'), 'make');
  assert.equal(asks('求购2000个ABS塑料外壳', 'pcs'), 'make');
  assert.equal(asks('aluminium brackets with 4 bolt holes, 300 pcs', 'pcs'), 'make');
  assert.equal(asks('带螺丝孔的铝盖板 200件', 'pcs'), 'make');
  assert.equal(asks('不锈钢钢管支架 300件', 'pcs'), 'make');
  assert.equal(asks('铝合金外壳', undefined), 'make');
  assert.deepEqual(stockOrMake('买两吨304不锈钢棒材', 'kg'), { asks: 'stock', because: 'a quantity in kg' });
  assert.deepEqual(stockOrMake('需要300件304不锈钢支架,按图纸加工', 'pcs'), {
    asks: 'make',
    because: '按图',
  });
});

test('a tooling quantity counts tools when a mould, die or tool noun goes with the number', () => {
  assert.equal(countsTools('需要开3个注塑模具', '3个', 'pcs'), true);
  assert.equal(countsTools('开两套冲压模', '两套', 'sets'), true);
  assert.equal(countsTools('We need 2 injection moulds', '2', 'pcs'), true);
  assert.equal(countsTools('Require 3 sets of progressive stamping dies', '3 sets', 'sets'), true);
  assert.equal(countsTools('模具数量：2', '2', 'pcs'), true);
  assert.equal(countsTools('two', undefined, 'moulds'), true);
  assert.equal(countsTools('M12 inserts; we need 2 injection moulds', '2', 'pcs'), true);
  assert.equal(countsTools('需要開3個注塑模具', '3個', 'pcs'), true);
  // The number counts the parts the tool will make.
  assert.equal(countsTools('开模做外壳，首单1万个', '1万个', 'pcs'), false);
  assert.equal(countsTools('开模做收纳盒，首批5000套', '5000套', 'sets'), false);
  assert.equal(countsTools('需要开模，1万个产品的模具', '1万个', 'pcs'), false);
  assert.equal(countsTools('mould for 2,000 parts from one mould', '2,000', 'pcs'), false);
  assert.equal(countsTools('new tool, 500 die cast housings', '500', 'pcs'), false);
  assert.equal(countsTools('new mould, 300 tool steel inserts', '300', 'pcs'), false);
  assert.equal(countsTools('1000个模块外壳 开模', '1000个', 'pcs'), false);
  // A die kind word before the count: 连续模3套, 級進模2套.
  assert.equal(countsTools('电机铁芯连续模3套', '3套', 'sets'), true);
  assert.equal(countsTools('家電級進模2套', '2套', 'sets'), true);
});

test('the process a tool runs: the kind of tool named, else a plastic part is injection moulded', () => {
  assert.equal(toolMakes('开一套压铸模具做铝壳', 'aluminium'), 'die-casting');
  assert.equal(toolMakes('两副级进模，SPCC支架', 'carbon-steel'), 'stamping');
  assert.equal(toolMakes('new injection mould for the lid', undefined), 'injection-moulding');
  assert.equal(toolMakes('开模做PA66卡扣，首批2万个', 'nylon'), 'injection-moulding');
  assert.equal(toolMakes('HDPE吹塑模，做5L油壶', 'pe'), 'blow-moulding');
  // A mould for a metal part, kind unnamed: not guessed.
  assert.equal(toolMakes('开模做不锈钢支架，首批3000件', 'stainless-steel'), undefined);
});

test('wrought and hardened aluminium grades rule out casting and forming', () => {
  assert.equal(wroughtOnly('aluminium', '6082'), true);
  assert.equal(wroughtOnly('aluminium', '5052-H32'), true);
  assert.equal(wroughtOnly('aluminium', 'EN AW-6060'), true);
  assert.equal(wroughtOnly('aluminium', 'ADC12'), false);
  assert.equal(wroughtOnly('aluminium', 'A356'), false);
  assert.equal(wroughtOnly('aluminium', 'AlSi10Mg'), false);
  assert.equal(wroughtOnly('stainless-steel', '304'), false, 'steels are cast too');
  assert.equal(wroughtOnly('aluminium', undefined), false);
  // Hardened tempers of the heat-treatable series are not formed; 5xxx and annealed tempers are.
  assert.equal(notFormed('aluminium', '7075-T651'), true);
  assert.equal(notFormed('aluminium', '2024-T3'), true);
  assert.equal(notFormed('aluminium', '6082 T6'), true);
  assert.equal(notFormed('aluminium', '5052-H32'), false);
  assert.equal(notFormed('aluminium', '6061-O'), false);
  assert.equal(notFormed('aluminium', '6061-T4'), false);
  assert.equal(notFormed('aluminium', '6061'), false);
  assert.ok(casts('die-casting') && casts('sand-casting') && !casts('cnc-machining'));
  assert.ok(forms('stamping') && forms('sheet-metal') && !forms('laser-cutting'));
});

test('part words name the processes that make the part', () => {
  const makers = (text: string) => partKinds(text).flatMap((k) => [...k.processes]);
  assert.ok(makers('需要500个铝合金外壳').includes('die-casting'));
  assert.ok(!makers('需要500个铝合金外壳').includes('turning'));
  assert.ok(!makers('aluminium enclosures').includes('forging'));
  assert.ok(makers('304不锈钢支架').includes('sheet-metal'));
  assert.ok(!makers('304 brackets').includes('turning'));
  assert.ok(makers('45号钢轴类零件').includes('turning'));
  assert.deepEqual(partKinds('深沟球轴承 6204'), [], 'a bearing is not a shaft');
  assert.deepEqual(partKinds('五轴加工'), [], 'five-axis is a machine');
  assert.deepEqual(partKinds('ABS plastic clips'), []);
  // Flanges are turned, milled, forged or cast, not laser cut; valve blocks are milled or cast, not turned.
  assert.ok(makers('DN80不锈钢法兰 200片').includes('turning'));
  assert.ok(makers('weld neck flanges, A105').includes('forging'));
  assert.ok(!makers('DN80不锈钢法兰').includes('laser-cutting'));
  assert.ok(!makers('blind flanges').includes('sheet-metal'));
  assert.deepEqual(partKinds('M10 flange nuts'), [], 'a flange nut is a fastener');
  assert.ok(makers('液压阀块 6061').includes('cnc-machining'));
  assert.ok(makers('hydraulic manifold blocks').includes('sand-casting'));
  assert.ok(!makers('閥體 CF8M').includes('turning'));
  assert.ok(!makers('valve bodies, 316').includes('laser-cutting'));
  // A housing from sheet is bent or drawn, not only laser cut.
  assert.ok(makers('钣金机箱').includes('sheet-metal'));
  assert.ok(!makers('钣金机箱').includes('laser-cutting'));
});
