/**
 * The built-in parser's rules for what a need asks to be done, on phrasings written for these rules
 * (not the texts of any gold or hold-out set): a finish done on parts the buyer has is a service; a stock
 * form named beside a finishing service is what is treated; a die word names tooling, not the process the
 * tool will run; boards made and assembled are PCB fabrication (and assembly).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BuiltinNeedParser } from '../../../../src/matching/parser/index.js';

const parser = new BuiltinNeedParser();
const NOW = new Date('2026-05-11T09:00:00Z');

async function read(text: string): Promise<{ process?: string; categories?: string[]; finish?: string[] }> {
  const { fields } = await parser.parse(text, { now: NOW });
  return {
    ...(fields.process ? { process: fields.process.value } : {}),
    ...(fields.categories ? { categories: fields.categories.value } : {}),
    ...(fields.finish ? { finish: fields.finish.value } : {}),
  };
}

test('a finish on the buyer’s own parts is the service asked for', async () => {
  // The parts are the buyer's: 自己的/我司的/把…工件做….
  assert.equal((await read('我司的零件需要发黑处理，约3000件，送到宁波')).process, 'black-oxide');
  assert.equal((await read('请帮我们把公司的工件做真空淬火，SKD11，约80件')).process, 'heat-treatment');
  // A finish written as a verb whose object is counted or is parts.
  assert.equal((await read('Please nitride 300 H13 die inserts we will send, 10 days')).process, 'nitriding');
  assert.equal((await read('Can you passivate 5,000 stainless 316 parts for us?')).process, 'passivation');
  assert.deepEqual(await read('We need someone to black anodize 1,200 aluminium housings'), {
    process: 'anodizing',
    categories: ['surface-treatment'],
    finish: ['anodizing'],
  });
  // Not when the finish is said of parts to be made, or its number counts colours or microns.
  assert.equal((await read('Need 1,200 aluminium housings, black anodize')).process, undefined);
  assert.equal((await read('Need 500 brackets, powder coat 2 colours')).process, undefined);
  assert.equal((await read('Need 400 aluminium parts machined, anodize 15 um')).process, 'cnc-machining');
});

test('a heat treatment written right after the material treats that material; a treated stock form is bought', async () => {
  assert.deepEqual(await read('42CrMo调质，约2吨，送到无锡'), {
    process: 'heat-treatment',
    categories: ['heat-treatment'],
    finish: ['heat-treatment'],
  });
  assert.equal((await read('Cr12MoV淬火 200公斤 三天内')).process, 'heat-treatment');
  // 调质棒材: bar sold quenched and tempered: stock, no service.
  assert.equal((await read('45#钢调质棒材 5吨')).process, undefined);
});

test('a stock form named beside a finishing service is the material treated, not an extrusion', async () => {
  assert.deepEqual(await read('客供铝型材喷粉加工，约5000支'), {
    process: 'powder-coating',
    categories: ['surface-treatment'],
    finish: ['powder-coating'],
  });
  assert.equal((await read('来料氧化，6063型材，3万支')).process, 'anodizing');
  // Profiles bought with a finish are still extruded.
  assert.equal((await read('采购6063铝型材，表面喷粉，10吨')).process, 'extrusion');
});

test('a die word names tooling, not the process the tool will run', async () => {
  assert.deepEqual(await read('开两副冲压连续模，做电机铁芯'), {
    process: 'tooling',
    categories: ['tooling'],
  });
  assert.deepEqual(await read('家电支架级进模2套，8周交'), { process: 'tooling', categories: ['tooling'] });
  assert.deepEqual(await read('压铸模具3套，铝合金壳体'), { process: 'tooling', categories: ['tooling'] });
  // The die as the method of a part order: the parts' process.
  assert.equal((await read('级进模冲压件，SPCC，50万件')).process, 'stamping');
  assert.equal((await read('求冲压厂，连续模生产，年需求100万件')).process, 'stamping');
  assert.equal((await read('Stamped brackets on a progressive die, DC01, 100k')).process, 'stamping');
});

test('boards made and assembled are PCB fabrication and assembly; boards only assembled are PCB assembly', async () => {
  assert.deepEqual(await read('Build 500 printed circuit boards and assemble them, 6 layer'), {
    process: 'pcb-fabrication',
    categories: ['pcb-fabrication', 'pcb-assembly'],
  });
  assert.deepEqual(await read('我们要做PCB板并贴片组装，1000片'), {
    process: 'pcb-fabrication',
    categories: ['pcb-fabrication', 'pcb-assembly'],
  });
  assert.deepEqual(await read('Assemble 300 PCBs we supply, SMT'), {
    process: 'pcb-assembly',
    categories: ['pcb-assembly'],
  });
  assert.deepEqual(await read('PCB板贴片加工 1000片'), {
    process: 'pcb-assembly',
    categories: ['pcb-assembly'],
  });
});
