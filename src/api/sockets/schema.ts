/** The SOCK_DIAG family's codec, shared by dumps, destroys and events. */
import { sockDiagFamily } from '../../families/sock_diag/index.js';
import { Schema } from '../../schema/codec.js';

export const sockDiagSchema = new Schema(sockDiagFamily);
