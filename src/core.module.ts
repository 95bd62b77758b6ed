import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { AppConfig } from './config/app-config.js';
import { CERTIFICATE_SIGNING_KEY, certificateSigningKey } from './crypto/certificate-key.js';
import type { EncryptionKey } from './crypto/encryption-key.js';
import { FieldCipher } from './crypto/field-cipher.js';
import { LOGGER } from './logging/logger.js';

export interface CoreOptions {
  config: AppConfig;
  logger: Logger;
  encryptionKey: EncryptionKey;
  /** ENCRYPTION_KEY_PREVIOUS: read, never written with. */
  previousKeys?: EncryptionKey[];
  /** HASH_KEY (resolveKeyRing); unset, keyed hashes use a key derived from `encryptionKey`. */
  hashKey?: Buffer;
  /** More modules for the app, given from outside: tests add a channel's module or a recording peer (a ChannelSender) this way. */
  imports?: DynamicModule[];
}

/** What every module may ask for: the validated config, the one logger, the field cipher. */
@Global()
@Module({})
export class CoreModule {
  static forRoot({ config, logger, encryptionKey, previousKeys, hashKey, imports }: CoreOptions): DynamicModule {
    return {
      module: CoreModule,
      imports: imports ?? [],
      providers: [
        { provide: AppConfig, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: FieldCipher, useValue: new FieldCipher(encryptionKey, previousKeys, hashKey) },
        // Erasure certificates are signed with a key derived from the encryption key (crypto/certificate-key.ts).
        { provide: CERTIFICATE_SIGNING_KEY, useValue: certificateSigningKey(encryptionKey) },
      ],
      exports: [AppConfig, LOGGER, FieldCipher, CERTIFICATE_SIGNING_KEY],
    };
  }
}
