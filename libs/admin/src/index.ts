export * from './admin-bearer.guard';
export * from './admin-controller.decorator';
export * from './admin.module';
