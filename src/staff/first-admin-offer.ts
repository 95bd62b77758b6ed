import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { AuthService } from './auth.service.js';

/**
 * A server that starts with no staff prints the one-time link that creates the first admin.
 * Registered by the server's AppModule only, so the CLI (which also boots StaffModule) never
 * mints a link nobody asked for.
 */
@Injectable()
export class FirstAdminOffer implements OnApplicationBootstrap {
  constructor(@Inject(AuthService) private readonly auth: AuthService) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.auth.offerFirstAdminSetup();
  }
}
