export const skiffVersion = '0.1.0';
