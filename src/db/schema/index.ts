export * from './teams';
export * from './themes';
export * from './api-keys';
export * from './initiatives';
export * from './iterations';
export * from './activity';
