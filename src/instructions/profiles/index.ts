/**
 * The 代发 file profiles (agency-file.ts), by the name a caller asks for: the instruction route serves them, and the
 * payout upload recognises a file in one of them posted back as if it were the bank's result.
 */
import type { AgencyFileProfile } from '../agency-file.ts'
import { CITY_BANK_AGENCY_PROFILE } from './city-bank.ts'
import { CMB_AGENCY_PROFILE } from './cmb.ts'

export const AGENCY_FILE_PROFILES: Readonly<Record<string, AgencyFileProfile>> = { cmb: CMB_AGENCY_PROFILE, 'city-bank': CITY_BANK_AGENCY_PROFILE }
