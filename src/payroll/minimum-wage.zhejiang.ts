/**
 * Zhejiang's minimum wage (浙江省最低工资标准), kept as data.
 *
 * How Zhejiang sets it: the province publishes the amount of each tier (档次); each city (设区市) then chooses, for
 * every county, city-level district and county-level city it governs (县、市、区), which tier applies there, and
 * publishes that. So the two halves below have different sources and change separately: the tier amounts, and the
 * assignment of regions to tiers, which belongs to one provincial standard and is republished with the next one.
 *
 * Only what could be sourced is here. A region whose tier under a standard could not be sourced is left out, and the
 * lookup reports it as unknown rather than guessing a tier (a wrong tier flags honest employers or hides a shortfall).
 *
 * Region codes are GB/T 2260 as in force since Hangzhou's 2021 redistricting (上城 330102 absorbed 江干, 拱墅 330105
 * absorbed 下城, 临平 330113 and 钱塘 330114 were created); the old codes 330103 and 330104 were gone before the 2021
 * standard took effect, so no standard here needs them.
 */
import { fen } from '../kernel/money.ts'
import type { MinimumWageTable } from './minimum-wage.ts'

/**
 * 浙江省人民政府《关于调整全省最低工资标准的通知》(2021), in force 2021-08-01: monthly 2280 / 2070 / 1840 yuan,
 * hourly (非全日制) 22 / 20 / 18 yuan.
 */
const ZJ_2021_SOURCE = '浙江省人民政府《关于调整全省最低工资标准的通知》, 2021-08-01 起执行'

/**
 * 浙江省人民政府《关于调整全省最低工资标准的通知》, published 2025-01-15, in force from 2025-01-01: monthly 2490 /
 * 2260 / 2010 yuan, hourly 24 / 22 / 20 yuan (+210 / +190 / +170 yuan a month, 9.2% each; +2 yuan an hour). Read in
 * the report of the notice carried by 澎湃新闻 (wallstreetcn.com/livenews/2611160); the notice itself says each city
 * chooses its counties' tiers and publishes them.
 */
const ZJ_2025_SOURCE = '浙江省人民政府《关于调整全省最低工资标准的通知》(2025-01-15 公布), 2025-01-01 起执行'

/**
 * Hangzhou's tiers under the 2021 standard: the urban districts (杭州市区) at 2280 yuan, 桐庐县、淳安县、建德市 at
 * 2070 yuan. Source: 杭州住房公积金管理中心's 2022 contribution-base notice, which sets the minimum base to "政府公布执行
 * 的当地月最低工资标准，即杭州市区下限为2280元，桐庐县、淳安县、建德市下限为2070元" (a secondary source quoting
 * the city's figures; the city's own 2021 notice was not found in the material searched).
 *
 * Hangzhou's assignment under the 2025 standard, and every other city's under either standard, could not be sourced:
 * they are left out (see the file's head comment). Add them from each city's notice (e.g. 宁波市人力社保局, 温州市人力
 * 社保局) as a new block tied to the standard's effective date.
 */
const HANGZHOU_2021_SOURCE = '杭州市区 2280 元、桐庐县淳安县建德市 2070 元: 杭州住房公积金 2022 年度缴存基数通知所引当地月最低工资标准'

export const ZHEJIANG_MINIMUM_WAGE: MinimumWageTable = {
  provinceCode: '33',
  standards: [
    {
      effectiveFrom: '2021-08-01',
      source: ZJ_2021_SOURCE,
      tiers: {
        1: { monthlyFen: fen(228_000), hourlyFen: fen(2_200) },
        2: { monthlyFen: fen(207_000), hourlyFen: fen(2_000) },
        3: { monthlyFen: fen(184_000), hourlyFen: fen(1_800) },
      },
      assignments: [
        // 杭州市区: the ten urban districts.
        ...['330102', '330105', '330106', '330108', '330109', '330110', '330111', '330112', '330113', '330114'].map((regionCode) => ({
          regionCode,
          tier: 1 as const,
          source: HANGZHOU_2021_SOURCE,
        })),
        // 桐庐县, 淳安县, 建德市.
        ...['330122', '330127', '330182'].map((regionCode) => ({ regionCode, tier: 2 as const, source: HANGZHOU_2021_SOURCE })),
      ],
    },
    {
      effectiveFrom: '2025-01-01',
      source: ZJ_2025_SOURCE,
      tiers: {
        1: { monthlyFen: fen(249_000), hourlyFen: fen(2_400) },
        2: { monthlyFen: fen(226_000), hourlyFen: fen(2_200) },
        3: { monthlyFen: fen(201_000), hourlyFen: fen(2_000) },
      },
      // No city's tier assignment under this standard was found in the material searched.
      assignments: [],
    },
  ],
}
