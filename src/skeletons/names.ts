/** Name conversions live in the model, so that the targets name tables and variables as the skeletons do. */
export * from '../model/names';
