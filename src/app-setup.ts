import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import cookieParser from 'cookie-parser';
import helmet from 'helmet';
import type { Server } from 'node:http';
import { AppModule, type AppOptions } from './app.module.js';
import { WHATSAPP_WEBHOOK_BODY_LIMIT, WHATSAPP_WEBHOOK_PATH } from './channels/whatsapp/whatsapp-webhook.controller.js';
import { answerClientErrors } from './http/client-errors.js';
import { requestContext, trustProxyValue } from './http/request-context.js';
import { NestPinoLogger } from './logging/logger.js';
import { Metrics } from './metrics/metrics.js';
import { UploadsEndpoint } from './uploads/uploads.endpoint.js';
import { ASSETS_DIR, vendorAssets } from './web/shared/static-assets.js';

const PAGE_CSP = {
  directives: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    mediaSrc: ["'self'"],
    connectSrc: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
  },
};

/**
 * Builds the HTTP application exactly as production runs it; the e2e tests use this too, so
 * they test what ships.
 */
export async function createApp(options: AppOptions): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(options), {
    logger: new NestPinoLogger(options.logger),
    bodyParser: false,
  });
  const { config } = options;
  app.set('trust proxy', trustProxyValue(config.TRUST_PROXY));
  app.disable('x-powered-by');
  app.use(requestContext(options.logger, app.get(Metrics)));
  const pageHeaders = helmet({ contentSecurityPolicy: PAGE_CSP, crossOriginEmbedderPolicy: false });
  // Swagger UI needs inline styles; every other page gets the strict policy.
  const docsHeaders = helmet({ contentSecurityPolicy: false });
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.path.startsWith('/api/docs')) return docsHeaders(req, res, next);
    if (!req.path.startsWith('/api/')) return pageHeaders(req, res, next);
    // JSON answers need only these; helmet's dozen middlewares per request cost measurable throughput.
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });
  // tus reads the raw request stream itself: /api/uploads is answered here, before cookies or any body parser.
  app.use(app.get(UploadsEndpoint).middleware());
  app.use(cookieParser());
  // Meta signs the WhatsApp webhook's exact bytes: that path alone gets them raw, before JSON parsing.
  app.useBodyParser('raw', {
    type: (req) => (req as Request).path.toLowerCase().replace(/\/+$/, '') === WHATSAPP_WEBHOOK_PATH,
    limit: WHATSAPP_WEBHOOK_BODY_LIMIT,
  });
  app.useBodyParser('json', { limit: '256kb' });
  // 400 fields: accounting's bulk approval carries each payout's version and acknowledged risks (at most 25 payouts).
  app.useBodyParser('urlencoded', { limit: '256kb', extended: false, parameterLimit: 400 });
  app.use(vendorAssets());
  app.useStaticAssets(ASSETS_DIR, { prefix: '/assets/', maxAge: '1h', index: false });

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('tipdesk')
      .setDescription("The tips inbox: public intake, the editors' desk and payouts. Errors are `{statusCode, error, code, message, fields?}`.")
      .setVersion('0.1.0')
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs/openapi.json' });

  await app.init();
  const server = app.getHttpServer() as Server;
  // Big videos on mobile data outlast Node's 300 s default; slowloris still dies at the headers.
  server.requestTimeout = config.UPLOAD_TIMEOUT_SECONDS * 1000;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 65_000;
  server.timeout = 120_000; // a socket silent for two minutes is gone
  answerClientErrors(server);
  return app;
}
